"""The printed documents' engine, shared by the desk and the district's console (issue 16).

Moved here from ``desk.core.receipts`` so the console's 事项目录 preview prints an item's
一次性告知单 with the very code a desk prints it with (the district may not import the
desk): the page layout (:mod:`.layout`: a :class:`~.layout.Sheet` of blocks; the formats'
sizes :mod:`.specs`, the blocks' flowables :mod:`.flowables`, onto pages :mod:`.pages`),
fonts (:mod:`.fonts`), line breaking (:mod:`.linebreak`), the second language (:mod:`.bilingual`, :mod:`.tsfiles`), the
resources folder (:mod:`.resources`), QR drawing (:mod:`.qr`) and the notice itself
(:mod:`.notice`). ``desk.core.receipts`` keeps the case documents and re-exports these.
"""
