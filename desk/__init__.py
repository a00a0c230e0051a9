"""Doorstep Desk (家门口办事台): the grid worker's offline desk application."""

__version__ = "0.1.0"
