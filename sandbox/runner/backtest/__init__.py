"""The vectorized backtest that runs inside the sandbox.

Only the standard library and numpy (pandas too, imported only for a strategy that asks
for a DataFrame): the sandbox image and the bubblewrap backend provide Debian's
python3-numpy / python3-pandas and nothing else, and the code must run on their versions
(numpy 1.24, pandas 1.5) as well as on the project's.
"""
