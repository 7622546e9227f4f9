"""The 15-minute service circle (15分钟服务圈): service points, the nearest open ones, bookings."""
