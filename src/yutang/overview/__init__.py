"""Figures that span domains, for the console's pages.

The members page shows how many members there are and how active, the points they hold,
their sales, tiers and channels: that reads members, commerce, loyalty and links at
once, so it cannot live in any one of them (members would have to read tables of the
domains above it). It sits here, above every domain and below web; no domain imports it.
"""
