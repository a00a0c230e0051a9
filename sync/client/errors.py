"""Typed sync errors: each has a ``kind`` and a message a grid worker can act on."""

from __future__ import annotations

from typing import Any


class SyncError(Exception):
    """Base of every sync failure."""

    kind = "sync"
    default = "同步失败"

    def __init__(self, message: str = "", *, code: str = "", status: int | None = None,
                 detail: dict[str, Any] | None = None) -> None:
        super().__init__(message or self.default)
        self.message = message or self.default
        self.code = code
        self.status = status
        self.detail = detail or {}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for summaries and the UI."""
        return {"kind": self.kind, "code": self.code, "status": self.status,
                "message": self.message}


class NetworkError(SyncError):
    """The district could not be reached (or the connection broke); try again later."""

    kind = "network"
    default = "无法连接区级系统，请检查网络后重试；已保存的案件不会丢失"


class AuthError(SyncError):
    """Not enrolled, bad signature, revoked desk, bad enrollment code."""

    kind = "auth"
    default = "区级系统拒绝了本办事点的身份，请重新注册或联系区级管理员"


class ConflictError(SyncError):
    """The district holds something different under the same identity."""

    kind = "conflict"
    default = "与区级数据冲突"


class TooLargeError(SyncError):
    """A body or attachment is over the district's size cap."""

    kind = "too_large"
    default = "上传内容超过区级允许的大小"


class QuotaError(SyncError):
    """The desk's daily upload cap at the district is reached (``detail``: ``cap``,
    ``used``, ``day``, ``resets_at``, ``need``); the pages wait for the next day."""

    kind = "quota"
    default = "本办事点今日上传已达区级上限，明日自动继续"


class ProtocolError(SyncError):
    """The district did not understand the request (version mismatch or a bug)."""

    kind = "protocol"
    default = "区级系统无法识别本办事点的请求，请升级办事台软件"


class ServerError(SyncError):
    """The district failed (5xx) or answered something unexpected; retry later."""

    kind = "server"
    default = "区级系统暂时出错，请稍后重试"
