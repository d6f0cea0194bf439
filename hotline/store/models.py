"""Tables of the hotline: people, contacts, tickets, clocks, the outbox and reference data."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import (JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, false,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.rules.tracking import new_tracking_token
from hotline.store.db import Base, UTCDateTime

# Ticket statuses (the lifecycle lives in work/lifecycle.py).
NEW, DISPATCHED, SIGNED, IN_PROGRESS, RESOLVED, FOLLOWED_UP, CLOSED = (
    "new", "dispatched", "signed", "in_progress", "resolved", "followed_up", "closed")
RETURNED, REOPENED, MERGED = "returned", "reopened", "merged"
STATUSES = (NEW, DISPATCHED, SIGNED, IN_PROGRESS, RESOLVED, FOLLOWED_UP, CLOSED, RETURNED, REOPENED, MERGED)
OPEN_STATUSES = (NEW, DISPATCHED, SIGNED, IN_PROGRESS, RETURNED, REOPENED)

# The proactive-case index's predicate; work/proactive.py repeats it literally so both databases use it.
PROACTIVE_SQL = "proactive"
# Tickets that are not merged into another: the candidates a new one may join (similar.py).
MASTER_SQL = "master_id IS NULL"

# Deadline clocks, one row each per ticket: named by the pure rules, stored here.
from hotline.rules.deadlines import CLOCK_FEEDBACK, CLOCK_FIRST_CONTACT, CLOCK_FOLLOWUP, CLOCK_SIGN_FOR  # noqa: E402,F401


class District(Base):
    """One of Beijing's 16 districts."""

    __tablename__ = "districts"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    pinyin: Mapped[str] = mapped_column(String(80))


class Township(Base):
    """A street (街道), town (镇), area (地区), township (乡) or development zone."""

    __tablename__ = "townships"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(16))
    pinyin: Mapped[str] = mapped_column(String(160))


class Department(Base):
    """A municipal department, utility, or district government (the fallback handler)."""

    __tablename__ = "departments"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(24))  # department | utility | district_government
    district_code: Mapped[Optional[str]] = mapped_column(ForeignKey("districts.code"))


class ServiceCode(Base):
    """A 小类 of the taxonomy: what the request is about and who handles it by default."""

    __tablename__ = "service_codes"
    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    group: Mapped[str] = mapped_column(String(24), index=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(120))
    time_limit_class: Mapped[str] = mapped_column(String(16))
    handler_type: Mapped[str] = mapped_column(String(16))  # township | department | utility
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    keywords: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Citizen(Base):
    """Someone who contacted the hotline, known by phone (E.164) or chat id."""

    __tablename__ = "citizens"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[Optional[str]] = mapped_column(String(20), unique=True)
    chat_id: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    lang: Mapped[str] = mapped_column(String(5), default="zh")
    sms_opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Conversation(Base):
    """One call, SMS thread or chat session."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        # A citizen's latest open thread on a channel, which every SMS asks: with all three columns here the
        # planner never prefers walking the channel's whole (channel, external_id) index instead, even with
        # the statistics of a new database (a prepared plan made then made each SMS 2 ms slower per thousand).
        Index("ix_conversations_thread", "citizen_id", "channel", "updated_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[Optional[int]] = mapped_column(ForeignKey("citizens.id"))
    channel: Mapped[str] = mapped_column(String(8))  # voice | sms | web | api
    external_id: Mapped[Optional[str]] = mapped_column(String(64))  # CallSid, chat conversation id
    lang: Mapped[str] = mapped_column(String(5), default="zh")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | handed_off | closed
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what the dialogue has gathered
    # The ticket this conversation filed; no foreign key because tickets point back here (a cycle).
    ticket_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)
    agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    citizen: Mapped[Optional[Citizen]] = relationship()
    messages: Mapped[list["Message"]] = relationship(back_populates="conversation", order_by="Message.id")


class Message(Base):
    """One utterance in a conversation, either way."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # voice | sms | web | api | agent | open311 | …
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    sender: Mapped[str] = mapped_column(String(16), default="citizen")  # citizen | bot | agent | system
    external_id: Mapped[Optional[str]] = mapped_column(String(64))  # MessageSid, client message id
    body: Mapped[str] = mapped_column(Text, default="")
    media: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class Ticket(Base):
    """A work order (工单): one citizen request, routed to the unit that must act."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        # Similar lookup: same code and township, recent first.
        Index("ix_tickets_similar", "service_code", "township_code", "opened_at"),
        # The masters among them, which every filing looks through (similar.py): in a week of one hotspot most
        # tickets are linked to a master already, and the full index made each filing step over all of them.
        Index("ix_tickets_similar_masters", "service_code", "township_code", "opened_at",
              postgresql_where=text(MASTER_SQL), sqlite_where=text(MASTER_SQL)),
        Index("ix_tickets_unit_status", "unit_code", "status"),
        Index("ix_tickets_status_opened", "status", "opened_at"),
        # A caller's tickets by number: the 回访 answer an SMS may be (SQLite's planner otherwise walked every
        # follow-up clock, each SMS slower by 2 ms per thousand tickets) and the console's search by phone.
        Index("ix_tickets_callback_phone", "callback_phone"),
        # Assessment (kpis.py): follow-ups answered in a month; tickets opened in a period (hotspots).
        Index("ix_tickets_followed_up", "followed_up_at"),
        # Covering the charts' volume by group and channel over a year, so they never read the ticket rows.
        Index("ix_tickets_opened_group_channel", "opened_at", "group", "channel"),
        # The console's list of proactive cases, newest first (a handful among millions of tickets).
        Index("ix_tickets_proactive", "opened_at", postgresql_where=text(PROACTIVE_SQL),
              sqlite_where=text(PROACTIVE_SQL)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    # The citizen's tracking page (/t/<token>): made in Python so the one INSERT carries it; never derived
    # from the reference, so nobody reaches a page by walking the reference sequence.
    tracking_token: Mapped[str] = mapped_column(String(24), unique=True, index=True, default=new_tracking_token)
    status: Mapped[str] = mapped_column(String(16), default=NEW)
    kind: Mapped[str] = mapped_column(String(16))
    group: Mapped[str] = mapped_column(String(24))
    service_code: Mapped[str] = mapped_column(ForeignKey("service_codes.code"))
    time_limit_class: Mapped[str] = mapped_column(String(16))
    classified_by: Mapped[str] = mapped_column(String(16), default="keywords")  # keywords | rasa | caller | agent
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    needs_triage: Mapped[bool] = mapped_column(Boolean, default=False)
    triage_reason: Mapped[Optional[str]] = mapped_column(String(32))  # unclassified | unlocated | voicemail | incomplete | returned | consult
    channel: Mapped[str] = mapped_column(String(8))  # voice | sms | web | api | agent | open311 | …
    external_id: Mapped[Optional[str]] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(5), default="zh")
    text: Mapped[str] = mapped_column(Text)
    location_text: Mapped[str] = mapped_column(Text, default="")
    district_code: Mapped[Optional[str]] = mapped_column(ForeignKey("districts.code"), index=True)
    township_code: Mapped[Optional[str]] = mapped_column(ForeignKey("townships.code"))
    # The unit that must act: a township or a department (utilities and district governments included).
    unit_type: Mapped[str] = mapped_column(String(16))  # township | department | city
    unit_code: Mapped[Optional[str]] = mapped_column(String(40))
    department_code: Mapped[Optional[str]] = mapped_column(ForeignKey("departments.code"))
    citizen_id: Mapped[Optional[int]] = mapped_column(ForeignKey("citizens.id"), index=True)
    conversation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("conversations.id"))
    callback_phone: Mapped[Optional[str]] = mapped_column(String(20))
    recording_url: Mapped[Optional[str]] = mapped_column(Text)
    media: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # A point on a partner app's map (WGS-84 degrees); routing uses it once the gazetteer has coordinates.
    lat: Mapped[Optional[float]] = mapped_column(Float)
    long: Mapped[Optional[float]] = mapped_column(Float)
    # Answers to the questions a service asks (plate number, indoor temperature...), by question code;
    # NULL in rows written before them and by bulk writers that give every column (demo data).
    details: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON, default=dict)
    # Who reported it when a partner app says so; shown to staff like the phone, never published.
    reporter_name: Mapped[Optional[str]] = mapped_column(String(120))
    reporter_email: Mapped[Optional[str]] = mapped_column(String(254))
    master_id: Mapped[Optional[int]] = mapped_column(ForeignKey("tickets.id"), index=True)
    similarity: Mapped[Optional[float]] = mapped_column(Float)  # to the master, when linked
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    contacted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    resolved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    resolution: Mapped[Optional[str]] = mapped_column(Text)
    # 回访 answers: solved yes/no; satisfied | basically | unsatisfied.
    followup_solved: Mapped[Optional[bool]] = mapped_column(Boolean)
    followup_satisfaction: Mapped[Optional[str]] = mapped_column(String(16))
    followed_up_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # A consultation the hotline answered itself (knowledge base, or an agent at intake): no unit ever had it,
    # and the rates count it only when assessment.count_answered_consults says so.
    answered_by_hotline: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    knowledge_entry: Mapped[Optional[str]] = mapped_column(String(64))  # the knowledge-base entry of the answer
    # 未诉先办: a case the hotline opened itself from a hotspot (work/proactive.py). No citizen of its own; its
    # citizens are the tickets merged into it, and it is nobody's order in the rates.
    proactive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    citizen: Mapped[Optional[Citizen]] = relationship()
    master: Mapped[Optional["Ticket"]] = relationship(remote_side="Ticket.id")
    events: Mapped[list["TicketEvent"]] = relationship(back_populates="ticket", order_by="TicketEvent.id")
    deadlines: Mapped[list["Deadline"]] = relationship(back_populates="ticket", order_by="Deadline.due_at")
    whistles: Mapped[list["Whistle"]] = relationship(back_populates="ticket", order_by="Whistle.id")

    @property
    def is_open(self) -> bool:
        """Still needs work by somebody."""
        return self.status in OPEN_STATUSES



class TicketEvent(Base):
    """One audited change to a ticket: who, when, what, before and after."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))  # "citizen", "system", "scheduler", "user:<id>"
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[Optional[str]] = mapped_column(String(16))
    to_status: Mapped[Optional[str]] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


# Partial-index predicates; queries repeat them literally so both databases use the index.
UNPLANNED_SQL = "stage = 0 AND next_action_at IS NOT NULL"
SMS_SURVEY_SQL = "clock = 'followup' AND state = 'pending' AND stage IN (3, 4)"


class Deadline(Base):
    """One clock of one ticket; the scheduler sweeps rows whose next_action_at has come."""

    __tablename__ = "deadlines"
    __table_args__ = (
        UniqueConstraint("ticket_id", "clock"),
        # Assessment (kpis.py): one clock falling due in a month, across all tickets.
        Index("ix_deadlines_clock_due", "clock", "due_at", "ticket_id"),
        Index("ix_deadlines_due", "next_action_at", postgresql_where=text("next_action_at IS NOT NULL"),
              sqlite_where=text("next_action_at IS NOT NULL")),
        # The scheduler plans reminders for clocks (re)started with stage 0 (callbacks/, hotline/escalation.py).
        Index("ix_deadlines_unplanned", "id", postgresql_where=text(UNPLANNED_SQL), sqlite_where=text(UNPLANNED_SQL)),
        # Follow-up surveys waiting for an SMS answer, looked up on every inbound SMS (hotline/followups.py).
        Index("ix_deadlines_sms_survey", "ticket_id", postgresql_where=text(SMS_SURVEY_SQL),
              sqlite_where=text(SMS_SURVEY_SQL)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    clock: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending | met | missed | cancelled
    met_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # When the scheduler should next look at this row (reminder, breach, escalation step); NULL = nothing to do.
    next_action_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # How far through reminders and the ladder: 0 = not yet planned by the scheduler (a writer that
    # (re)starts a clock sets 0), n >= 1 = planned with n - 1 actions done. The follow-up clock's stages
    # are in hotline/followups.py.
    stage: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[Optional[str]] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship(back_populates="deadlines")


class Whistle(Base):
    """吹哨报到: a township summons a department, which must report in and report its part done."""

    __tablename__ = "whistles"
    __table_args__ = (
        Index("ix_whistles_due", "next_action_at", postgresql_where=text("next_action_at IS NOT NULL"),
              sqlite_where=text("next_action_at IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    request: Mapped[str] = mapped_column(Text)
    blown_at: Mapped[datetime] = mapped_column(UTCDateTime)
    report_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    done_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    done_note: Mapped[Optional[str]] = mapped_column(Text)
    # The part-done clock runs to the ticket's deadline (never before the report-in deadline);
    # NULL in rows written before the whistle clocks (they are not swept).
    done_due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # The scheduler's two clocks on this row (hotline/clocks/whistles.py): actions done of each plan,
    # and when to look again (NULL = nothing left to do).
    report_stage: Mapped[int] = mapped_column(Integer, default=0)
    done_stage: Mapped[int] = mapped_column(Integer, default=0)
    next_action_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="whistles")
    department: Mapped["Department"] = relationship()


class EarlierFollowup(Base):
    """A 回访 answer superseded by a later survey after a reopen; it still counts in the month it was given."""

    __tablename__ = "earlier_followups"
    __table_args__ = (Index("ix_earlier_followups_at", "followed_up_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    followed_up_at: Mapped[datetime] = mapped_column(UTCDateTime)
    followup_solved: Mapped[Optional[bool]] = mapped_column(Boolean)
    followup_satisfaction: Mapped[Optional[str]] = mapped_column(String(16))
    # The unit assessed for it: the one holding the ticket when the citizen answered.
    unit_type: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[Optional[str]] = mapped_column(String(40))
    district_code: Mapped[Optional[str]] = mapped_column(String(12))


class OutboundMessage(Base):
    """An SMS or call we owe someone; sent once per idempotency key, outcome recorded here."""

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # sms | call
    to: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[Optional[str]] = mapped_column(Text)  # TwiML URL for calls
    purpose: Mapped[str] = mapped_column(String(24), default="notice")  # reference | reminder | escalation | followup | reply ...
    ticket_id: Mapped[Optional[int]] = mapped_column(ForeignKey("tickets.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | sending | sent | delivered | failed | undeliverable | dev | suppressed
    provider_sid: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)  # emergencies ignore quiet hours
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReferenceCounter(Base):
    """Last sequence number handed out per day, for speakable reference numbers."""

    __tablename__ = "reference_counters"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    """A console user: intake agent, unit handler, department staff, supervisor or admin."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80), default="")
    role: Mapped[str] = mapped_column(String(16))  # agent | handler | department | supervisor | admin
    unit_type: Mapped[Optional[str]] = mapped_column(String(16))  # township | department (for handler roles)
    unit_code: Mapped[Optional[str]] = mapped_column(String(40))
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Second factor (RFC 6238 TOTP): the base32 secret once enrolled, and the last time step accepted
    # (a code is good once, so one seen over a shoulder cannot be replayed).
    totp_secret: Mapped[Optional[str]] = mapped_column(String(64))
    totp_last_step: Mapped[Optional[int]] = mapped_column(Integer)


class ConsoleSession(Base):
    """One signed-in console session; the cookie holds its random token, the table decides if it still counts."""

    __tablename__ = "console_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the cookie's token
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    ended_reason: Mapped[Optional[str]] = mapped_column(String(24))  # signed_out | password | deactivated | idle


class CallbackRequest(Base):
    """A citizen asked to be called back (IVR, bot or agent): delay, window, attempts (Amazon Connect's model)."""

    __tablename__ = "callback_requests"
    __table_args__ = (Index("ix_callbacks_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    lang: Mapped[str] = mapped_column(String(5), default="zh")
    citizen_id: Mapped[Optional[int]] = mapped_column(ForeignKey("citizens.id"))
    ticket_id: Mapped[Optional[int]] = mapped_column(ForeignKey("tickets.id"), index=True)
    conversation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("conversations.id"))
    source: Mapped[str] = mapped_column(String(8))  # ivr | bot | agent
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Local wall-clock window in the hotline's zone, "HH:MM"; empty means any time outside quiet hours.
    window_start: Mapped[str] = mapped_column(String(5), default="")
    window_end: Mapped[str] = mapped_column(String(5), default="")
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    retry_delay_s: Mapped[int] = mapped_column(Integer, default=600)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | calling | done | failed | cancelled
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    idempotency_key: Mapped[Optional[str]] = mapped_column(String(120), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Notification(Base):
    """Something a person must see in the console: a reminder, breach, escalation or delivery failure."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_audience", "audience_type", "audience_code", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # Who it is for: a unit (township/department code), a district's supervisors, the city supervisors, or one user.
    audience_type: Mapped[str] = mapped_column(String(12))  # unit | district | city | user
    audience_code: Mapped[Optional[str]] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))  # reminder | breach | escalation | undeliverable | whistle | chat
    ticket_id: Mapped[Optional[int]] = mapped_column(ForeignKey("tickets.id"), index=True)
    message: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[Optional[str]] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
