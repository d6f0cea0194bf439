"""The one conversation turn every text channel calls once per citizen message.

Find the citizen and the conversation, store the message first (whatever its sender), decide the answer —
opt-out words, a 回访 answer, a status query, a hand-off, a place added to the ticket just filed, or the
dialogue — and record the replies. Channels parse their webhook, call Services.converse (which runs this in
the caller's units of work) and render the Outcome; a new channel is one new module with its Channel traits.
"""
from __future__ import annotations

import logging
import re
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from hotline.clocks import followups
from hotline.contact import knowledge
from hotline.contact.form import option_buttons, options_text
from hotline.contact.dialogue import REFERENCE_RE, BotRequest, Dialogue, DialogueResult, Reply, detect_lang, prompt
from hotline.core import Core
from hotline.errors import HotlineError, InvalidInput, TicketNotFound
from hotline.privacy import mask_phone
from hotline.rules import prompts
from hotline.rules.askback import choose
from hotline.rules.deadlines import local
from hotline.rules.routing import Place
from hotline.store.citizens import CitizenLookup, normalize_phone
from hotline.store.conversations import find_or_create_conversation, open_thread_of, record_message, record_replies
from hotline.store.models import OPEN_STATUSES, Citizen, Conversation, Message, Ticket
from hotline.work import consult
from hotline.work.lifecycle import get_ticket, record_event

log = logging.getLogger(__name__)

# Carrier opt-out words on long codes, plus the Chinese ones (退订, TD) Twilio does not know.
STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout",
                        "退订", "td", "取消订阅", "退订短信"})
START_WORDS = frozenset({"start", "unstop", "订阅", "恢复"})
HELP_WORDS = frozenset({"help", "info", "帮助", "说明", "?", "？"})
CHINESE_KEYWORDS = frozenset({"退订", "td", "取消订阅", "退订短信", "订阅", "恢复", "帮助", "说明"})
STATUS_WORDS = r"(?:查询|查|进度|查进度|查询进度|工单|status|check|progress|my tickets?)"
STATUS_RE = re.compile(rf"^\s*{STATUS_WORDS}\s*[:：#]?\s*(\d{{10}})?\s*[。.!！?？]?\s*$", re.IGNORECASE)
# Asking after one's own requests in a sentence ("我的工单怎么样了"), not a bare status word.
MY_REQUESTS_RE = re.compile(r"(我的|我反映的|我那个).{0,6}(工单|诉求|问题|投诉).{0,8}(怎么样|进度|处理|办|结果)"
                            r"|\b(my|the)\s+(ticket|request|complaint)s?\b.{0,30}\b(status|progress|going|done)",
                            re.IGNORECASE)
# Asking for a person, in either language, on any channel.
HANDOFF_RE = re.compile(
    r"转人工|人工服务|人工客服|找人工|要人工|真人|^\s*(?:人工|客服)\s*$"
    r"|\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a|an|the|some|real)?\s*(?:person|human|agent|operator|someone|"
    r"somebody|staff|representative)\b|\breal person\b|\bhuman agent\b|^\s*(?:agent|human|operator)\s*[.!]?\s*$",
    re.IGNORECASE)
YES_RE = re.compile(r"^\s*(?:1|是|是的|对|对的|好|好的|确认|yes|y|yeah|ok|okay|correct)\s*[。.!！]?\s*$", re.IGNORECASE)
NO_RE = re.compile(r"^\s*(?:2|不|不是|否|不对|no|n|nope|new)\s*[。.!！]?\s*$", re.IGNORECASE)
# A place sent on its own soon after a ticket was filed is offered as an addition to that ticket.
PLACE_ADDITION_WINDOW = timedelta(minutes=30)
PLACE_ADDITION_MAX_CHARS = 40
LOOKUPS_PER_HOUR = 5
# A shared position names the places within this distance (a city block or two).
POSITION_RADIUS_M = 800


@dataclass(frozen=True)
class Channel:
    """What the turn needs to know of a channel: its name and its habits."""

    name: str  # stored on conversations and messages (at most 8 characters)
    by_phone: bool = False  # the sender is a phone number (SMS); otherwise the channel's own conversation id
    thread_hours: int | None = None  # a message joins the sender's open conversation of the last hours
    opt_out: bool = False  # STOP/START/HELP words apply (carrier SMS rules)
    surveys: bool = False  # the 回访 survey is answered here
    live_agent: bool = False  # a handed-off conversation waits for the agent (chat)


@dataclass(frozen=True)
class Inbound:
    """One citizen message as a channel received it."""

    channel: Channel
    sender: str | None  # the raw phone number, or the channel's conversation id
    text: str
    message_key: str | None = None  # the channel's id of this message (MessageSid, client message id)
    media: tuple[dict, ...] = ()
    lang: str | None = None
    position: tuple[float, float] | None = None  # (lat, long) the citizen shared


@dataclass(frozen=True)
class Said:
    """One reply to render: text, choices as buttons (chat) or a numbered list (SMS), custom payload."""

    text: str
    choices: tuple[dict, ...] = ()
    custom: dict | None = None


@dataclass(frozen=True)
class FiledTicket:
    """The ticket the conversation has, as the channel may show it."""

    reference: str
    due_at: datetime | None = None


@dataclass
class Outcome:
    """What the channel renders."""

    replies: list[Said] = field(default_factory=list)
    conversation_id: int | None = None
    conversation_key: str | None = None
    status: str = "open"
    ticket: FiledTicket | None = None
    handoff: bool = False
    with_agent: bool = False
    silent: bool = False  # opted out of SMS: read and filed, nothing sent
    repeated: bool = False
    last_message_id: int | None = None


@dataclass(frozen=True)
class PendingTurn:
    """A turn waiting for a dialogue in another process; finished in a second unit of work."""

    channel: Channel
    sender: str | None
    conversation_id: int
    message_id: int
    text: str
    phone: str | None
    lang: str
    message_key: str | None
    bot: BotRequest


@dataclass
class _Context:
    session: Session
    inbound: Inbound
    now: datetime
    conv: Conversation
    msg_id: int  # the citizen's message, stored
    citizen: Citizen | None
    phone: str | None
    lang: str
    survey_id: object = followups.LOOK_UP  # the 回访 waiting for this sender's answer, when asked already
    foreseen: knowledge.Foreseen | None = None  # the words weighed before the unit of work


class Contact:
    """The conversation turn, with the core's parts and the dialogue it uses."""

    def __init__(self, core: Core, dialogue: Dialogue):
        self.core = core
        self.dialogue = dialogue
        self._lookups: dict[Channel, CitizenLookup] = {}

    # -- the turn -------------------------------------------------------------------------------------

    def foresee(self, inbound: Inbound) -> knowledge.Foreseen | None:
        """The work on the words alone, done before the unit of work begins (a shorter write transaction):
        the classification (remembered by the classifier) and the knowledge base's best entry."""
        if not inbound.text or inbound.position:
            return None
        (self.core.classifier or self.core.taxonomy).classify(inbound.text)
        return knowledge.foresee(self.core, inbound.text)

    def take_turn(self, session: Session, inbound: Inbound, *, now: datetime,
                  foreseen: knowledge.Foreseen | None = None) -> Outcome | PendingTurn:
        """Store the message and answer it, or say which dialogue must be asked first (PendingTurn)."""
        ctx = self._receive(session, inbound, now=now)
        if isinstance(ctx, Outcome):
            return ctx
        ctx.foreseen = foreseen
        answer = self._before_dialogue(ctx)
        if answer is not None:
            return self._finish(ctx, answer)
        bot = self.dialogue.prepare(ctx.conv, ctx.inbound.text, phone=ctx.phone)
        if bot is not None:
            # Until its answer is recorded, a retry of this message is answered anew, not from a history with
            # nothing in it (a host killed while the bot thought; nginx replays the message on another).
            ctx.conv.state = {**(ctx.conv.state or {}), "answering": ctx.msg_id}
            flag_modified(ctx.conv, "state")
            return PendingTurn(channel=inbound.channel, sender=inbound.sender, conversation_id=ctx.conv.id,
                               message_id=ctx.msg_id, text=ctx.inbound.text, phone=ctx.phone, lang=ctx.lang,
                               message_key=inbound.message_key, bot=bot)
        return self._finish(ctx, self._dialogue(ctx, None))

    def finish_turn(self, session: Session, pending: PendingTurn, bot_messages: list[dict] | None, *,
                    now: datetime) -> Outcome:
        """Apply the other dialogue's answer (None: it did not answer, the form carries on)."""
        conv = session.get(Conversation, pending.conversation_id)
        inbound = Inbound(channel=pending.channel, sender=pending.sender, text=pending.text,
                          message_key=pending.message_key)
        ctx = _Context(session, inbound, now, conv, pending.message_id, conv.citizen, pending.phone, pending.lang)
        return self._finish(ctx, self._dialogue(ctx, bot_messages))

    # -- steps ----------------------------------------------------------------------------------------

    def _receive(self, session: Session, inbound: Inbound, *, now: datetime) -> _Context | Outcome:
        """Citizen, conversation and the stored message; a retried message gets its first answer again."""
        channel, config = inbound.channel, self.core.config
        if inbound.position:
            inbound = self._placed_by_position(inbound)
        phone = self._phone(inbound.sender) if channel.by_phone else None
        citizen, conv, survey_id = None, None, followups.LOOK_UP
        if phone:
            # What the turn must know of the sender rides on the citizen upsert: one round trip, not three.
            since = now - timedelta(hours=channel.thread_hours or 0)
            citizen, known = self._lookup(channel).run(session, now=now, phone=phone, since=since)
            survey_id = known.get("survey", followups.LOOK_UP)
            if known.get("thread") is not None:
                conv = session.get(Conversation, known["thread"])
        lang = inbound.lang or detect_lang(inbound.text, (citizen.lang if citizen else None)
                                           or config.app.default_lang)
        if conv is None:
            # A sender the phone library rejects still has a thread of its own: nothing said is lost.
            key = None if citizen is not None else (
                f"from:{(inbound.sender or 'unknown')[:59]}" if channel.by_phone else inbound.sender)
            conv, _ = find_or_create_conversation(session, channel=channel.name, now=now, external_id=key,
                                                  citizen=citizen, lang=lang)
        if channel.live_agent and conv.status == "closed":
            # The agent ended the chat; a new message starts over with the bot.
            conv.status, conv.state, conv.agent_id = "open", {}, None
        key = inbound.message_key
        if key and not channel.by_phone:
            key = f"{conv.id}:{key}"  # a client's message ids are unique only inside its own conversation
        msg_id, created = record_message(session, conv, direction="in", body=inbound.text, now=now,
                                         sender="citizen", external_id=key, media=list(inbound.media))
        if not created and (conv.state or {}).get("answering") != msg_id:
            return self._repeated(session, conv, msg_id, poll=channel.live_agent)
        # (A retry of the message still being answered asks the dialogue again: the first try's host may be
        # gone. If it is not, the bot hears the message twice, and files at most once under its filing key.)
        if phone is None and channel.by_phone:
            log.warning("%s from a sender that is not a valid number (%s) stored in conversation %s",
                        channel.name, mask_phone(inbound.sender), conv.id)
        return _Context(session, inbound, now, conv, msg_id, citizen, phone, lang, survey_id)

    def _lookup(self, channel: Channel) -> CitizenLookup:
        """The sender's upsert with the channel's questions (its open thread, a 回访 waiting), built once."""
        lookup = self._lookups.get(channel)
        if lookup is None:
            phone, also = bindparam("phone"), {}
            if channel.thread_hours:
                also["thread"] = open_thread_of(channel=channel.name, phone=phone, since=bindparam("since"))
            if channel.surveys:
                also["survey"] = followups.pending_sms_survey_id(phone)
            lookup = self._lookups[channel] = CitizenLookup(also)
        return lookup

    def _before_dialogue(self, ctx: _Context) -> DialogueResult | None:
        """Everything that is answered without the dialogue; None when the dialogue must answer."""
        channel, text, conv = ctx.inbound.channel, ctx.inbound.text, ctx.conv
        word = keyword(text)
        if channel.opt_out and word in CHINESE_KEYWORDS:
            ctx.lang = "zh"  # "TD" is Latin letters but a Chinese user's word
        if channel.opt_out and ctx.citizen is not None:
            if word in STOP_WORDS:
                ctx.citizen.sms_opted_out = True
                log.info("%s opt-out from %s", channel.name, mask_phone(ctx.phone))
                return _say(prompts.sms(ctx.lang, "opted_out"))
            if word in START_WORDS:
                ctx.citizen.sms_opted_out = False
                return _say(prompts.sms(ctx.lang, "opted_in"))
        if channel.opt_out and word in HELP_WORDS:
            return _say(prompts.sms(ctx.lang, "help"))
        if channel.live_agent and conv.status == "handed_off":
            return DialogueResult(handoff=True)
        if not text:
            return _say(prompts.sms(ctx.lang, "help"))  # a photo alone: say how to report
        if channel.surveys and ctx.phone:
            answer = followups.answer_from_sms(ctx.session, phone=ctx.phone, body=text, now=ctx.now,
                                               config=self.core.config, pending_id=ctx.survey_id)
            if answer:
                return _say(answer)
        if not channel.by_phone:
            over = self._over_budget(ctx)
            if over:
                return _say(prompts.say(ctx.lang, f"chat.{over}"))
        status = STATUS_RE.match(text)
        if status:
            return self._status(ctx, status.group(1))
        choice = self._consult_choice(ctx)
        if choice is not None:
            return choice
        if HANDOFF_RE.search(text):
            conv.status = "handed_off"
            conv.state = {k: v for k, v in (conv.state or {}).items() if k in ("round", "key")}
            flag_modified(conv, "state")
            return DialogueResult([Reply(prompt(ctx.lang, "handoff"))], handoff=True)
        return (self._place_addition(ctx) or self._ask_back_for_the_bot(ctx) or self._my_requests(ctx)
                or self._knowledge(ctx))

    def _dialogue(self, ctx: _Context, bot_messages: list[dict] | None) -> DialogueResult:
        """The dialogue's answer; a domain error is an apology in the channel, never a lost message."""
        text = ctx.inbound.text[:self.core.config.api.max_text_chars]
        try:
            # No savepoint: the dialogue validates before it writes, so a domain error leaves nothing half-made.
            return self.dialogue.respond(ctx.session, ctx.conv, text, now=ctx.now, phone=ctx.phone,
                                         external_id=ctx.inbound.message_key, bot_messages=bot_messages)
        except HotlineError as exc:
            log.warning("%s conversation %s could not be taken as given: %s", ctx.conv.channel, ctx.conv.id,
                        exc.code)
            return _say(prompts.say(ctx.lang, "chat.sorry") if ctx.inbound.channel.live_agent
                        else prompts.sms(ctx.lang, "help"))

    def _finish(self, ctx: _Context, result: DialogueResult) -> Outcome:
        """Media with the ticket, replies recorded (the retry key is the citizen's message), the outcome."""
        conv = ctx.conv
        if (conv.state or {}).get("answering") == ctx.msg_id:
            conv.state = {k: v for k, v in conv.state.items() if k != "answering"}  # answered: retries repeat it
            flag_modified(conv, "state")
        if ctx.inbound.media:
            conv.state = {**(conv.state or {}), "media": True}
            flag_modified(conv, "state")
        if result.ticket is not None and result.ticket.conversation_id == conv.id and (conv.state or {}).get("media"):
            attach_media(ctx.session, conv.id, result.ticket)
        if ctx.inbound.text and keyword(ctx.inbound.text) not in STOP_WORDS | START_WORDS | HELP_WORDS:
            if ctx.citizen is not None:
                ctx.citizen.lang = ctx.lang  # the language they used last is the one they get next time
        conv.lang = ctx.lang
        conv.updated_at = ctx.now
        channel = ctx.inbound.channel
        opted_out = (channel.opt_out and ctx.citizen is not None and ctx.citizen.sms_opted_out
                     and keyword(ctx.inbound.text) not in STOP_WORDS)
        # Opted out: read and filed, nothing sent until START. No sender at all: nobody to answer.
        silent = bool(opted_out or (channel.by_phone and not ctx.inbound.sender and not ctx.phone))
        said = [Said(r.text, tuple(r.buttons), r.custom) for r in result.replies]
        record_replies(ctx.session, conv, [(f"re:{ctx.msg_id}:{i}", r.text)
                                           for i, r in enumerate([] if silent else said) if r.text], now=ctx.now)
        return self._outcome(ctx.session, conv, said, handoff=result.handoff and conv.status == "handed_off",
                             with_agent=result.handoff and not result.replies, silent=silent,
                             ticket=result.ticket, poll=ctx.inbound.channel.live_agent)

    # -- answers --------------------------------------------------------------------------------------

    def _status(self, ctx: _Context, reference: str | None) -> DialogueResult:
        """One ticket's status by reference, or the sender's own open tickets."""
        tz = self.core.config.app.timezone
        if reference:
            if not self._lookup_allowed(ctx):
                return _say(prompt(ctx.lang, "too_many_lookups"))
            try:
                ticket = get_ticket(ctx.session, reference)
            except TicketNotFound:
                return _say(prompt(ctx.lang, "not_found", ref=reference))
            mine = ticket.conversation_id == ctx.conv.id or (
                ctx.citizen is not None and ticket.citizen_id == ctx.citizen.id)
            if not mine:
                # References are sequential: a stranger learns how far it is, not who acts or by when.
                return _say(prompt(ctx.lang, "status_public", ref=ticket.reference,
                                   status=prompts.status_name(ctx.lang, ticket.status)))
            return _say(status_line(ticket, ctx.lang, tz))
        tickets = open_tickets_of(ctx.session, citizen_id=ctx.citizen.id if ctx.citizen else None,
                                  conversation=ctx.conv)
        if not tickets:
            return _say(prompt(ctx.lang, "status_none"))
        lines = [prompt(ctx.lang, "status_yours", count=len(tickets))]
        lines += [status_line(t, ctx.lang, tz) for t in tickets]
        return _say("\n".join(lines))

    def _place_addition(self, ctx: _Context) -> DialogueResult | None:
        """A place alone right after a ticket was filed: offered as an addition; the answer applies it."""
        conv, state, text = ctx.conv, dict(ctx.conv.state or {}), ctx.inbound.text.strip()
        if state.get("emergency_place_for"):
            # The emergency was filed at once; this answer to "where?" joins it.
            ticket = ctx.session.get(Ticket, state.pop("emergency_place_for"))
            conv.state = state
            flag_modified(conv, "state")
            if ticket is not None and len(text) <= self.core.config.api.max_text_chars:
                add_place(ctx.session, ticket, text, now=ctx.now)
                return _say(prompt(ctx.lang, "place_added", ref=ticket.reference))
        offered = state.get("place_offer")
        if offered:
            state.pop("place_offer")
            conv.state = state
            flag_modified(conv, "state")
            if YES_RE.match(text):
                ticket = ctx.session.get(Ticket, offered["ticket_id"])
                if ticket is not None:
                    add_place(ctx.session, ticket, offered["place"], now=ctx.now)
                    return _say(prompt(ctx.lang, "place_added", ref=ticket.reference))
            if NO_RE.match(text):
                return _say(prompt(ctx.lang, "ask_what"))  # not for that ticket: a new report starts
            return None
        if not conv.ticket_id or state.get("step") or len(text) > PLACE_ADDITION_MAX_CHARS:
            return None
        ticket = ctx.session.get(Ticket, conv.ticket_id)
        if ticket is None or ticket.opened_at < ctx.now - PLACE_ADDITION_WINDOW:
            return None
        loc = self.core.gazetteer.locate(text)
        if not (loc.township_code or loc.district_code or loc.candidates):
            return None
        if (self.core.classifier or self.core.taxonomy).classify(text).understood:
            return None  # a new problem at a place, not a place alone
        conv.state = {**state, "place_offer": {"ticket_id": ticket.id, "place": text}}
        flag_modified(conv, "state")
        return DialogueResult([Reply(prompt(ctx.lang, "place_offer", ref=ticket.reference, place=text),
                                     buttons=({"title": prompt(ctx.lang, "place_offer_yes"), "payload": "1"},
                                              {"title": prompt(ctx.lang, "place_offer_no"), "payload": "2"}))])

    def _ask_back_for_the_bot(self, ctx: _Context) -> DialogueResult | None:
        """An ambiguous place said to the bot is asked back here first, so the bot hears the one chosen.

        The built-in form asks back itself; the bot cannot tell 朝阳的八里庄 from 海淀的, so the turn asks, then
        passes the chosen place's full name on as the citizen's answer."""
        state = dict(ctx.conv.state or {})
        if "bot_which" in state:
            asked = state.pop("bot_which")
            ctx.conv.state = state
            flag_modified(ctx.conv, "state")
            chosen = choose([Place(**c) for c in asked["candidates"]], ctx.inbound.text)
            if chosen is not None:
                ctx.inbound = dataclasses.replace(ctx.inbound, text=chosen.label("zh"))
            return None
        text = ctx.inbound.text.strip()
        if (self.dialogue.engine != "rasa" or not state.get("rasa_sender")
                or len(text) > PLACE_ADDITION_MAX_CHARS):
            return None
        loc = self.core.gazetteer.locate(text)
        if not (loc.ambiguous and loc.candidates):
            return None
        candidates = loc.candidates[:4]
        ctx.conv.state = {**state, "bot_which": {"text": text,
                                                 "candidates": [dataclasses.asdict(c) for c in candidates]}}
        flag_modified(ctx.conv, "state")
        options = options_text(candidates, ctx.lang)
        return DialogueResult([Reply(prompt(ctx.lang, "ask_which", place=text, options=options),
                                     buttons=option_buttons(candidates, ctx.lang))])

    def _my_requests(self, ctx: _Context) -> DialogueResult | None:
        """"我的工单怎么样了" / "how is my request going": the citizen's own open requests, when there are any."""
        if not MY_REQUESTS_RE.search(ctx.inbound.text) or (ctx.conv.state or {}).get("step"):
            return None
        if not open_tickets_of(ctx.session, citizen_id=ctx.citizen.id if ctx.citizen else None,
                               conversation=ctx.conv):
            return None
        return self._status(ctx, None)

    def _knowledge(self, ctx: _Context) -> DialogueResult | None:
        """A question the knowledge base answers: recorded as a closed consultation, then 1 - answered, 2 - agent."""
        state = ctx.conv.state or {}
        if state.get("step") or state.get("rasa_form"):
            return None  # in the middle of a report: the dialogue goes on
        found = knowledge.answer(self.core, ctx.inbound.text, ctx.lang, foreseen=ctx.foreseen)
        if found is None:
            return None
        channel = ctx.inbound.channel
        ticket = consult.record_answered_consult(
            ctx.session, question=ctx.inbound.text, answer=found, channel=ctx.conv.channel, now=ctx.now,
            core=self.core, phone=ctx.phone, chat_id=None if channel.by_phone else ctx.conv.external_id,
            conversation_id=ctx.conv.id, external_id=f"kb:{ctx.msg_id}")
        ctx.conv.state = {**state, "consult_ticket": ticket.id}
        flag_modified(ctx.conv, "state")
        if channel.opt_out:  # a text message: the short answer and the digits to reply with
            return _say(knowledge.sms_reply(found))
        reply = knowledge.chat_reply(found)
        return DialogueResult([Reply(reply.text, buttons=reply.buttons)])

    def _consult_choice(self, ctx: _Context) -> DialogueResult | None:
        """The answer to "did that answer it?": thanks, or the consultation goes to an agent."""
        state = dict(ctx.conv.state or {})
        ticket_id = state.get("consult_ticket")
        if not ticket_id:
            return None
        choice = knowledge.read_choice(ctx.inbound.text)
        state.pop("consult_ticket")
        ctx.conv.state = state
        flag_modified(ctx.conv, "state")
        if choice is None:
            return None  # something else: a new message
        if choice == knowledge.AGENT:
            ticket = ctx.session.get(Ticket, ticket_id)
            if ticket is not None:
                consult.hand_consult_to_agent(ctx.session, ticket, now=ctx.now)
            if ctx.inbound.channel.live_agent:
                ctx.conv.status = "handed_off"
            return DialogueResult([Reply(knowledge.closing(ctx.lang, choice))], handoff=True)
        return _say(knowledge.closing(ctx.lang, choice))

    def _lookup_allowed(self, ctx: _Context) -> bool:
        """At most LOOKUPS_PER_HOUR reference look-ups per conversation: no walking the sequence."""
        state = dict(ctx.conv.state or {})
        window = state.get("lookups") or [ctx.now.isoformat(), 0]
        if datetime.fromisoformat(window[0]) < ctx.now - timedelta(hours=1):
            window = [ctx.now.isoformat(), 0]
        window[1] += 1
        ctx.conv.state = {**state, "lookups": window}
        flag_modified(ctx.conv, "state")
        return window[1] <= LOOKUPS_PER_HOUR

    def _over_budget(self, ctx: _Context) -> str | None:
        """"slow_down" for a conversation sending too fast, "busy" when anonymous tickets exceed the budget."""
        budget, minute_ago = self.core.config.chat, ctx.now - timedelta(minutes=1)
        recent = ctx.session.scalar(select(func.count()).select_from(Message).where(
            Message.conversation_id == ctx.conv.id, Message.direction == "in", Message.created_at > minute_ago))
        if recent > budget.max_messages_per_minute:
            return "slow_down"
        filed = ctx.session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.channel == ctx.conv.channel, Ticket.opened_at > minute_ago))
        if filed >= budget.max_tickets_per_minute:
            log.warning("%s ticket budget reached (%d in a minute): conversation %s kept for an agent",
                        ctx.conv.channel, filed, ctx.conv.id)
            return "busy"
        return None

    # -- helpers --------------------------------------------------------------------------------------

    def _placed_by_position(self, inbound: Inbound) -> Inbound:
        """A shared position becomes words the dialogue understands: the township (or district) around it."""
        lat, lon = inbound.position
        loc = self.core.gazetteer.locate_point(lat, lon, radius_m=POSITION_RADIUS_M)
        lang = inbound.lang or self.core.config.app.default_lang
        place = loc.label("zh") or (self.core.gazetteer.districts.get(loc.district_code or "", ""))
        if loc.township_code and not place:
            found = self.core.gazetteer.places.get(loc.township_code)
            place = found.label("zh") if found else ""
        marker = f"[{lat:.5f},{lon:.5f}]"
        # The Chinese name is what the gazetteer reads back; the coordinates stay with the message.
        words = f"{place} {marker}" if place else marker
        text = f"{inbound.text} {words}".strip() if inbound.text else words
        return dataclasses.replace(inbound, text=text, lang=lang)

    def _phone(self, raw: str | None) -> str | None:
        if not raw:
            return None
        try:
            return normalize_phone(raw, self.core.config.phone.default_region)
        except InvalidInput:
            return None

    def _repeated(self, session: Session, conv: Conversation, msg_id: int, *, poll: bool) -> Outcome:
        """A retried message: the replies it got the first time, nothing done twice."""
        rows = session.scalars(select(Message).where(Message.channel == conv.channel,
                                                     Message.external_id.like(f"re:{msg_id}:%"))
                               .order_by(Message.id)).all()
        return self._outcome(session, conv, [Said(m.body) for m in rows], repeated=True, poll=poll)

    def _outcome(self, session: Session, conv: Conversation, said: list[Said], *, ticket: Ticket | None = None,
                 poll: bool = False, **flags) -> Outcome:
        if ticket is None and conv.ticket_id:
            ticket = session.get(Ticket, conv.ticket_id)
        last = None
        if poll:
            # A channel that polls for the agent's messages needs to know where it is.
            session.flush()
            last = session.scalar(select(func.max(Message.id)).where(Message.conversation_id == conv.id))
        return Outcome(replies=said, conversation_id=conv.id, conversation_key=conv.external_id, status=conv.status,
                       ticket=FiledTicket(ticket.reference, ticket.due_at) if ticket else None,
                       last_message_id=last, **flags)


def _say(text: str) -> DialogueResult:
    return DialogueResult([Reply(text)])


def keyword(body: str) -> str:
    """The body as a keyword: case-folded, without surrounding punctuation and spaces ("Stop!" is STOP)."""
    return re.sub(r"^[\s\W_]+|[\s\W_]+$", "", body).casefold() or body.strip()


def status_line(ticket: Ticket, lang: str, tz: str) -> str:
    """Status and due time of a ticket, in words."""
    due = local(ticket.due_at, tz).strftime("%m-%d %H:%M")
    return prompt(lang, "status", ref=ticket.reference, status=prompts.status_name(lang, ticket.status), due=due)


def open_tickets_of(session: Session, *, citizen_id: int | None, conversation: Conversation | None = None,
                    limit: int = 3) -> list[Ticket]:
    """The citizen's latest open tickets (or the conversation's, for a chat without a phone), newest first."""
    if citizen_id is not None:
        where = Ticket.citizen_id == citizen_id
    elif conversation is not None:
        where = Ticket.conversation_id == conversation.id
    else:
        return []
    return list(session.scalars(select(Ticket).where(where, Ticket.status.in_(OPEN_STATUSES))
                                .order_by(Ticket.opened_at.desc(), Ticket.id.desc()).limit(limit)))


def add_place(session: Session, ticket: Ticket, place: str, *, now: datetime) -> None:
    """The citizen named the place after filing: it joins the ticket for the unit (and triage) to see."""
    ticket.location_text = f"{ticket.location_text}；{place}" if ticket.location_text else place
    ticket.updated_at = now
    record_event(session, ticket, actor="citizen", action="place_added", now=now, note=place)


def attach_media(session: Session, conversation_id: int, ticket: Ticket) -> None:
    """Photos sent in the thread go with the ticket it filed."""
    have = {m.get("url") for m in ticket.media or []}
    rows = session.scalars(select(Message.media).where(Message.conversation_id == conversation_id,
                                                       Message.direction == "in"))
    extra = [m for media in rows for m in (media or []) if m.get("url") not in have]
    if extra:
        ticket.media = list(ticket.media or []) + extra
