"""The decision benchmark: the recommendation against rules of thumb on the accuracy series."""
