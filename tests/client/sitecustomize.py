"""polyaxon-client 0.6 imports these ABCs from `collections`, which Python 3.10 removed."""

import collections
import collections.abc

for name in ("Mapping", "MutableMapping", "Sequence", "Iterable", "Callable", "Hashable", "Set", "MutableSet"):
    setattr(collections, name, getattr(collections.abc, name))
