"""The offline demo: the whole product and its invented history."""
