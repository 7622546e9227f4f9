"""The dispatch centre (指挥中心): rulings on 退回 and 延期, and the board of open work."""
