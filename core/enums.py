"""Closed vocabularies of the domain, stored as their string values."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    RESIDENT = "resident"
    TECHNICIAN = "technician"
    HOUSEKEEPER = "housekeeper"
    DISPATCHER = "dispatcher"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"


STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}
WORKER_ROLES = frozenset({Role.TECHNICIAN, Role.HOUSEKEEPER})


class TeamKind(StrEnum):
    ENGINEERING = "engineering"  # 工程组
    HOUSEKEEPING = "housekeeping"  # 家政组
    CUSTOMER_SERVICE = "customer_service"  # 客服组
    SECURITY = "security"  # 秩序组
    CLEANING = "cleaning"  # 保洁组


class Relation(StrEnum):
    OWNER = "owner"  # 业主
    TENANT = "tenant"  # 使用人


class BindingStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class OrderKind(StrEnum):
    IN_HOME_REPAIR = "in_home_repair"  # 居家维修
    PUBLIC_REPAIR = "public_repair"  # 公共部位维修
    HOUSEKEEPING = "housekeeping"  # 家政
    ALARM = "alarm"  # 居家报警
    COMPLAINT = "complaint"  # 投诉
    INQUIRY = "inquiry"  # 咨询 / 建议
    PRAISE = "praise"  # 表扬


class Priority(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class OrderStatus(StrEnum):
    REGISTERED = "registered"  # 登记
    DISPATCHED = "dispatched"  # 派工
    ACCEPTED = "accepted"  # 接单
    EN_ROUTE = "en_route"  # on the way
    ON_SITE = "on_site"  # 到场
    COMPLETED = "completed"  # 完工
    CONFIRMED = "confirmed"  # 确认
    CALLED_BACK = "called_back"  # 回访
    CLOSED = "closed"  # 销项
    REFUSED = "refused"  # not accepted for service
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset(
    {
        OrderStatus.REGISTERED,
        OrderStatus.DISPATCHED,
        OrderStatus.ACCEPTED,
        OrderStatus.EN_ROUTE,
        OrderStatus.ON_SITE,
        OrderStatus.COMPLETED,
    }
)
FINAL_STATUSES = frozenset({OrderStatus.CLOSED, OrderStatus.REFUSED, OrderStatus.CANCELLED})


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # the person blocked the bot


class UploadKind(StrEnum):
    """How a file made by the bot is sent: as a picture (sendPhoto) or as a file (sendDocument)."""

    PHOTO = "photo"
    DOCUMENT = "document"


class OutboxKind(StrEnum):
    SEND = "send"
    EDIT = "edit"
    DELETE = "delete"
    COMMANDS = "commands"  # the command menu of one chat, in its person's language and role
