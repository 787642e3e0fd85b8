"""Usage intelligence: user segments, Flex against named-user subscriptions, the consumption-trap
indicators and the monthly governance facts, from user-level usage (one row per user x product x
day). Pure: the service loads the rows and the prices and passes them in.
"""
