"""Every sentence the scheduler sends by SMS or shows in the console, per language (one catalogue)."""
from __future__ import annotations

from datetime import datetime

from hotline.rules.deadlines import local

CLOCK_NAMES = {
    "zh": {"sign_for": "签收", "first_contact": "首次联系", "feedback": "办理反馈", "followup": "回访"},
    "en": {"sign_for": "sign-for", "first_contact": "first contact", "feedback": "feedback", "followup": "follow-up"},
}
AUDIENCE_NAMES = {"unit": "承办单位负责人", "district": "区级督办", "city": "市级督办"}

# Keep citizen SMS short: any Chinese character makes a segment 70 characters (DOMAIN.md section 3).
TEXTS = {
    "zh": {
        "reminder": "【12345提醒】工单{ref}{clock}时限{due}到期，请及时办理。",
        "breach": "工单{ref}{clock}已超时（时限{due}）。",
        "escalation": "【12345督办】工单{ref}{clock}已超时（时限{due}），请{audience}督促办理。",
        "resolution": "【12345】您的诉求{ref}已办理：{resolution}",
        "survey_solved": "【12345回访】工单{ref}：您反映的问题解决了吗？回复1已解决，2未解决。",
        "survey_satisfied": "您对办理结果满意吗？回复1满意，2基本满意，3不满意。",
        "survey_thanks": "感谢您的评价！",
        "survey_reopened": "感谢反馈，工单{ref}已退回承办单位重新办理。",
        "reopened": "【12345】工单{ref}回访未解决，已重新打开，请继续办理。",
        "undeliverable": "短信/电话无法送达（{purpose}，{to}）：{error}",
        "callback_failed": "回拨{to}未接通，已尝试{attempts}次，请人工处理。",
        # Spoken (ivr/followup.py).
        "voice_intro": "您好，这里是12345市民服务热线回访。关于您的工单{ref}。",
        "voice_solved": "您反映的问题解决了吗？已解决请按1，未解决请按2。",
        "voice_satisfied": "您对办理结果满意吗？满意请按1，基本满意请按2，不满意请按3。",
        "voice_again": "抱歉，没有听清。",
        "voice_thanks": "感谢您的评价，再见。",
        "voice_reopened": "感谢反馈，我们会督促承办单位重新办理，再见。",
        "voice_goodbye": "我们稍后再联系您，再见。",
        "voice_callback_agent": "12345回拨任务：正在为您接通市民，号码尾号{last4}。",
        "voice_callback_citizen": "您好，这里是12345市民服务热线，应您的要求回电，正在为您接通人工服务，请稍候。",
    },
    "en": {
        "reminder": "12345 reminder: ticket {ref} {clock} due {due}.",
        "breach": "Ticket {ref} missed its {clock} deadline ({due}).",
        "escalation": "12345 escalation: ticket {ref} missed its {clock} deadline ({due}); {audience} to act.",
        "resolution": "12345: your request {ref} has been answered: {resolution}",
        "survey_solved": "12345 follow-up on {ref}: was your problem solved? Reply 1 yes, 2 no.",
        "survey_satisfied": "Are you satisfied with the result? Reply 1 satisfied, 2 basically, 3 not satisfied.",
        "survey_thanks": "Thank you for your answer!",
        "survey_reopened": "Thank you. Ticket {ref} goes back to the unit to be handled again.",
        "reopened": "12345: ticket {ref} was not solved per follow-up and is reopened.",
        "undeliverable": "Undeliverable ({purpose}, {to}): {error}",
        "callback_failed": "Callback to {to} not connected after {attempts} tries; please call by hand.",
        "voice_intro": "Hello, this is the 12345 citizen hotline following up on your ticket {ref}.",
        "voice_solved": "Was your problem solved? Press 1 for yes, 2 for no.",
        "voice_satisfied": "Are you satisfied with the result? Press 1 for satisfied, 2 for basically satisfied, "
                           "3 for not satisfied.",
        "voice_again": "Sorry, I did not catch that.",
        "voice_thanks": "Thank you for your answer. Goodbye.",
        "voice_reopened": "Thank you. We will ask the unit to handle it again. Goodbye.",
        "voice_goodbye": "We will contact you again later. Goodbye.",
        "voice_callback_agent": "12345 callback: connecting you to the citizen, number ending {last4}.",
        "voice_callback_citizen": "Hello, this is the 12345 citizen hotline calling you back as you asked. "
                                  "Connecting you to an agent, please hold.",
    },
}
MAX_RESOLUTION_CHARS = 120


def text(name: str, lang: str = "zh", **values: object) -> str:
    """One sentence of the catalogue, filled in (Mandarin unless English)."""
    return TEXTS["en" if lang == "en" else "zh"][name].format(**values)


def clock_name(clock: str, lang: str = "zh") -> str:
    """The clock as people call it."""
    return CLOCK_NAMES["en" if lang == "en" else "zh"].get(clock, clock)


def when(moment: datetime, tz: str) -> str:
    """A deadline as staff read it: month-day hour:minute local time."""
    return local(moment, tz).strftime("%m-%d %H:%M")


def short_resolution(resolution: str) -> str:
    """The unit's answer, cut to fit a few SMS segments."""
    resolution = " ".join(resolution.split())
    return resolution if len(resolution) <= MAX_RESOLUTION_CHARS else resolution[:MAX_RESOLUTION_CHARS - 1] + "…"
