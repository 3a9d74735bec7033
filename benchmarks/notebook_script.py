"""The notebook, as a script: `python -m benchmarks.notebook_script FILE READ_OPTIONS_JSON COLUMNS_JSON`.

What a data scientist writes for the elbow chart: read the file, keep the columns, standardise them,
fit KMeans(n_init=10) for k = 1..10. Text columns among COLUMNS are one-hot encoded, as ours are.
"""

import json
import sys

import pandas as pd
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

path, read_options, columns = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
frame = pd.read_csv(path, **read_options)[columns].dropna()
matrix = StandardScaler().fit_transform(pd.get_dummies(frame, dtype=float))
wcss = [KMeans(k, n_init=10).fit(matrix).inertia_ for k in range(1, 11)]
print(json.dumps(wcss))
