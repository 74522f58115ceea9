"""The shopper portal's own logic: signed links, lookup limits, one-time codes, what a shopper sees."""
