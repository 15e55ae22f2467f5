"""Knowledge base of the knee-pain assistant: articles -> sentences, concepts and causal links.

Plain Python (spaCy + SQLAlchemy), no Rasa: build it with ``python -m knowledge.build`` and
query it with ``KnowledgeBase``.
"""

# Imported eagerly on purpose: the function ``build`` shares its name with the submodule
# ``knowledge.build``, and only an eager import guarantees ``knowledge.build`` is the function.
from .build import build
from .query import KnowledgeBase, KnowledgeBaseNotBuilt

__all__ = ["KnowledgeBase", "KnowledgeBaseNotBuilt", "build"]
