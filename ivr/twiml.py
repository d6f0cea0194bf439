"""Pure TwiML builders: sentences in, VoiceResponse/MessagingResponse out; voices and languages from config."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from hotline.config import Config

# The twilio library would render a Python list as "['speech', 'dtmf']": always pass this string.
SPEECH_AND_KEYS = "speech dtmf"


@dataclass(frozen=True)
class Voice:
    """How to speak and listen in one language."""

    lang: str
    voice: str
    say_language: str
    gather_language: str


def voice_for(lang: str, config: Config) -> Voice:
    """The configured voice of a language (Mandarin unless English)."""
    tw = config.twilio
    if lang == "en":
        return Voice("en", tw.voice_en, tw.say_language_en, tw.gather_language_en)
    return Voice("zh", tw.voice_zh, tw.say_language_zh, tw.gather_language_zh)


def other_lang(lang: str) -> str:
    """The language offered as the alternative."""
    return "zh" if lang == "en" else "en"


def _say(parent, v: Voice, text: str) -> None:
    if not text:
        return  # an empty <Say> is an error in Twilio's eyes
    parent.say(text, voice=v.voice, language=v.say_language)


def say(v: Voice, sentences: Iterable[str], *, hangup: bool = False) -> VoiceResponse:
    """Speak, then hang up or let the call end."""
    r = VoiceResponse()
    for s in sentences:
        _say(r, v, s)
    if hangup:
        r.hangup()
    return r


def ask(v: Voice, sentences: Iterable[str], *, action: str, timeout: int, num_digits: int | None = None,
        finish_on_key: str | None = None, speech: bool = True,
        aside: tuple[Voice, str] | None = None) -> VoiceResponse:
    """One question: speech or keys, posted to action even when the caller says nothing."""
    r = VoiceResponse()
    kwargs = {"input": SPEECH_AND_KEYS if speech else "dtmf", "action": action, "method": "POST",
              "timeout": timeout, "action_on_empty_result": True}
    if speech:
        kwargs.update(language=v.gather_language, speech_timeout="auto")
    if num_digits:
        kwargs["num_digits"] = num_digits
    if finish_on_key is not None:
        kwargs["finish_on_key"] = finish_on_key
    g = r.gather(**kwargs)
    for s in sentences:
        _say(g, v, s)
    if aside is not None:
        other, text = aside
        _say(g, other, text)
    # Should Twilio fall through without posting, the same step still hears the silence.
    r.redirect(action, method="POST")
    return r


def record(v: Voice, sentences: Iterable[str], *, action: str, max_length: int, after: str) -> VoiceResponse:
    """A voicemail: prompt, beep, record up to max_length s; `after` hears a recording that never started."""
    r = VoiceResponse()
    for s in sentences:
        _say(r, v, s)
    r.record(action=action, method="POST", max_length=max_length, play_beep=True, timeout=5, finish_on_key="#")
    r.redirect(after, method="POST")
    return r


def dial(v: Voice, sentences: Iterable[str], *, number: str, timeout: int, action: str) -> VoiceResponse:
    """Say something, then ring a number; action hears how the dial ended."""
    r = VoiceResponse()
    for s in sentences:
        _say(r, v, s)
    d = r.dial(action=action, method="POST", timeout=timeout)
    d.number(number)
    return r


def enqueue(v: Voice, sentences: Iterable[str], *, queue: str, wait_url: str, action: str) -> VoiceResponse:
    """Put the caller in a queue; wait_url plays while they wait, action hears how it ended."""
    r = VoiceResponse()
    for s in sentences:
        _say(r, v, s)
    r.enqueue(queue, wait_url=wait_url, wait_url_method="POST", action=action, method="POST")
    return r


def leave() -> VoiceResponse:
    """Take the caller out of the queue (to the Enqueue action)."""
    r = VoiceResponse()
    r.leave()
    return r


def empty() -> VoiceResponse:
    """Nothing to do (status callbacks; a wait loop that continues)."""
    return VoiceResponse()


def message(text: str | None) -> MessagingResponse:
    """An SMS reply, or none."""
    r = MessagingResponse()
    if text:
        r.message(text)
    return r


def render(action, lang: str, config: Config, url: Callable[[str], str]) -> VoiceResponse:
    """A call step's answer (hotline.contact.call_flow) as TwiML; url() turns a step name into its webhook."""
    from hotline.contact import call_flow as flow

    v = voice_for(lang, config)
    if isinstance(action, flow.Ask):
        aside = (voice_for(action.aside[0], config), action.aside[1]) if action.aside else None
        return ask(v, action.lines, action=url(action.step), timeout=action.timeout, num_digits=action.num_digits,
                   finish_on_key=action.finish_on_key, speech=action.speech, aside=aside)
    if isinstance(action, flow.Speak):
        return say(v, action.lines, hangup=action.hangup)
    if isinstance(action, flow.Record):
        return record(v, action.lines, action=url(action.step), max_length=action.max_length, after=url(action.step))
    if isinstance(action, flow.Dial):
        return dial(v, action.lines, number=action.number, timeout=action.timeout, action=url(action.step))
    if isinstance(action, flow.Enqueue):
        return enqueue(v, action.lines, queue=action.queue, wait_url=url(action.wait_step), action=url(action.step))
    if isinstance(action, flow.Leave):
        return leave()
    return empty()
