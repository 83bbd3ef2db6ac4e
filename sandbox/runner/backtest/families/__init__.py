"""Strategy families. Each file is a complete candidate on its own: it is copied as the
job's strategy.py, so it imports only numpy and the runner's backtest.indicators (the
runner's directory is importable inside the sandbox). BARS = "numpy" asks for numpy
columns instead of a pandas DataFrame: no pandas import, the largest cost of a backtest.
GRID is a literal (the worker reads it with ast.literal_eval and never imports these
files: strategy code only runs in the sandbox). signal() sees bars up to and including
bar t when it decides bar t."""
