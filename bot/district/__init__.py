"""The district (区): every town's figures side by side, and the district bulletin."""
