"""The schema of an item definition (one YAML file per item in ``forms/items``).

An item definition is the single source for the form view, validation, the one-time
notice and the receipt. The models here refuse anything they do not know
(``extra="forbid"``), so a typo in a definition file is caught when the catalog loads.

The fields' definitions are :mod:`forms.model.fields`, the item and what else it holds
:mod:`forms.model.item`; every model is imported from here.
"""

from forms.model.fields import (
    CARD_TYPES,
    KEY_PATTERN,
    MASKED_TYPES,
    CardDatum,
    Check,
    Condition,
    FieldDef,
    FieldType,
)
from forms.model.item import (
    ONCE_LABELS,
    ROSTER_DATA,
    Item,
    Material,
    Notice,
    NoticeTranslation,
    Once,
    OnceRule,
    Proactive,
    Translation,
)

__all__ = [
    "CARD_TYPES",
    "KEY_PATTERN",
    "MASKED_TYPES",
    "ONCE_LABELS",
    "ROSTER_DATA",
    "CardDatum",
    "Check",
    "Condition",
    "FieldDef",
    "FieldType",
    "Item",
    "Material",
    "Notice",
    "NoticeTranslation",
    "Once",
    "OnceRule",
    "Proactive",
    "Translation",
]
