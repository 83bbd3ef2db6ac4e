"""The vectorized backtest that runs inside the sandbox.

Only the standard library, numpy and pandas: the sandbox image and the bubblewrap
backend provide Debian's python3-numpy / python3-pandas and nothing else, and the
code must run on their versions (pandas 1.5) as well as on the project's.
"""
