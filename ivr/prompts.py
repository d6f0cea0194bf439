"""Every sentence the phone line speaks or texts, one catalogue per language (zh first, en on request)."""
from __future__ import annotations

VOICE = {
    "zh": {
        "greeting": "您好，这里是12345市民服务热线。",
        "menu": "反映问题请按1，查询工单请按2，紧急情况请按3，人工服务请按0。您也可以直接说出您的需要。",
        "other_language": "For English, press 9.",
        "not_heard": "抱歉，没有听到您的声音。",
        "not_understood": "抱歉，没有听清楚。",
        "ask_what": "请在提示音后用一两句话描述您遇到的问题，说完请按井号键。",
        "understood": "好的，您反映的是：{name}。",
        "ask_where": "请问问题发生在哪里？请说出区和街道，或附近的地标。",
        "ask_where_again": "没能确认地点，请再说一次区和街道名称，例如：朝阳区望京街道。",
        "place_heard": "地点：{place}。",
        "confirm_callback": "我们将通过尾号{last4}的来电号码联系您。确认请按1，使用其他号码请按2。",
        "ask_callback_keys": "请输入您的联系电话，以井号键结束。",
        "bad_callback_keys": "号码无效，请重新输入，以井号键结束。",
        "filed": "已受理。您的工单号是：{ref}。再说一遍：{ref}。",
        "filed_triage": "已受理，工作人员会尽快处理。您的工单号是：{ref}。再说一遍：{ref}。",
        "sms_sent": "工单号已通过短信发送给您。",
        "goodbye": "感谢您的来电，再见。",
        "emergency_warning": "如有生命危险，请立即挂机，拨打110报警、119火警或120急救。",
        "emergency_ask_what": "请简要说明发生了什么，说完请按井号键。",
        "emergency_filed": "我们已按紧急事项登记，两小时内处理。工单号是：{ref}。再说一遍：{ref}。",
        "offer_transfer": "转接值班人员请按1，结束通话请直接挂机。",
        "transferring": "正在为您转接，请稍候。",
        "agent_unavailable": "值班人员暂时无法接听。",
        "voicemail": "请在提示音后留言，说完请按井号键或挂机。我们会尽快处理。",
        "voicemail_saved": "留言已收到。",
        "no_recording": "没有录到留言。",
        "agent_offer": "转接人工服务请按1，可能需要等待；不想等待请按2，我们会给您回电。",
        "hold": "人工坐席正忙，请稍候。不想等待请按1，我们会给您回电。",
        "callback_booked": "已为您预约回电，我们会尽快拨打尾号{last4}的号码，请保持电话畅通。",
        "callback_no_number": "无法识别您的来电号码，暂时不能预约回电。",
        "status_yours": "您有{count}个未办结的工单。",
        "status_none": "没有找到您名下未办结的工单。",
        "status_item": "工单{ref}：{status}，答复时限{due}。",
        "status_ask_ref": "请输入10位工单号，以井号键结束；返回主菜单请按0。",
        "status_not_found": "没有找到工单{ref}，请核对号码。",
        "status_more": "查询其他工单请按1，返回主菜单请按0。",
        "voicemail_text": "（语音留言，请听录音）",
        "incomplete_text": "（来电中途挂断，未说明问题）",
        "emergency_text": "（紧急来电，来电人未说明情况）",
        "apology": "抱歉，系统暂时出现故障。",
    },
    "en": {
        "greeting": "Hello, this is the 12345 citizen hotline.",
        "menu": "To report a problem, press 1. To check a ticket, press 2. For an emergency, press 3. "
                "To talk to an agent, press 0. Or just say what you need.",
        "other_language": "普通话请按8。",
        "not_heard": "Sorry, I did not hear anything.",
        "not_understood": "Sorry, I did not catch that.",
        "ask_what": "After the tone, describe the problem in a sentence or two, then press the hash key.",
        "understood": "Thank you. You are reporting: {name}.",
        "ask_where": "Where is it? Please say the district and street, or a landmark nearby.",
        "ask_where_again": "I could not place that. Please say the district and street again, "
                           "for example: Wangjing, Chaoyang.",
        "place_heard": "Place: {place}.",
        "confirm_callback": "We will call you back on the number ending {last4}. "
                            "Press 1 to confirm, or 2 to give another number.",
        "ask_callback_keys": "Please key in your phone number, then press the hash key.",
        "bad_callback_keys": "That number is not valid. Please key it in again, then press hash.",
        "filed": "Your request is filed. Your reference is: {ref}. Again: {ref}.",
        "filed_triage": "Your request is filed and staff will look at it soon. Your reference is: {ref}. "
                        "Again: {ref}.",
        "sms_sent": "We have sent the reference to you by text message.",
        "goodbye": "Thank you for calling. Goodbye.",
        "emergency_warning": "If a life is in danger, hang up now and dial 110 for police, 119 for fire, "
                             "or 120 for an ambulance.",
        "emergency_ask_what": "Briefly say what is happening, then press the hash key.",
        "emergency_filed": "We have filed an emergency ticket, handled within two hours. "
                           "Your reference is: {ref}. Again: {ref}.",
        "offer_transfer": "To talk to the duty officer, press 1. Otherwise, hang up.",
        "transferring": "Connecting you now, please hold.",
        "agent_unavailable": "The duty officer cannot answer right now.",
        "voicemail": "Please leave a message after the tone, then press hash or hang up. We will deal with it soon.",
        "voicemail_saved": "Your message has been recorded.",
        "no_recording": "No message was recorded.",
        "agent_offer": "To wait for an agent, press 1. To be called back instead, press 2.",
        "hold": "All agents are busy. Please hold. To be called back instead, press 1.",
        "callback_booked": "We will call you back soon on the number ending {last4}. Please keep your phone on.",
        "callback_no_number": "We cannot see your number, so we cannot book a callback.",
        "status_yours": "You have {count} open tickets.",
        "status_none": "We found no open tickets for your number.",
        "status_item": "Ticket {ref}: {status}, answer due {due}.",
        "status_ask_ref": "Key in the ten-digit reference, then press hash. For the main menu, press 0.",
        "status_not_found": "No ticket {ref} was found. Please check the number.",
        "status_more": "To check another ticket, press 1. For the main menu, press 0.",
        "voicemail_text": "(Voicemail: listen to the recording)",
        "incomplete_text": "(Caller hung up before describing the problem)",
        "emergency_text": "(Emergency call; the caller did not say what is happening)",
        "apology": "Sorry, the system has a problem right now.",
    },
}

# SMS texts; each must fit in two UCS-2 segments (134 characters) once filled in.
SMS = {
    "zh": {
        "reference": "【12345】您反映的问题已受理，工单号{ref}，{due}前答复。回复“查询{ref}”查进度，回复TD退订。",
        "help": "【12345】直接发送您遇到的问题和地点即可反映；发送“查询+工单号”查进度；发送TD退订，START恢复。紧急情况请拨110/119/120。",
        "opted_out": "【12345】您已退订短信，不会再收到我们的消息。发送START可恢复。",
        "opted_in": "【12345】已恢复短信通知。直接发送问题和地点即可反映，发送“帮助”查看说明。",
        "not_found": "【12345】没有找到工单{ref}，请核对号码。",
        "no_sender": "",
        "sorry": "【12345】抱歉，系统暂时故障，请稍后重发或拨打12345。",
    },
    "en": {
        "reference": "12345: request received, reference {ref}, answer by {due}. Text \"status {ref}\" for "
                     "progress, STOP to opt out.",
        "help": "12345 hotline: text your problem and where it is to report it; \"status\" + reference for "
                "progress; STOP to opt out, START to opt in. Emergencies: call 110/119/120.",
        "opted_out": "12345: you will get no more texts from us. Text START to opt back in.",
        "opted_in": "12345: texts are back on. Text your problem and where it is; HELP for help.",
        "not_found": "12345: no ticket {ref} was found. Please check the number.",
        "no_sender": "",
        "sorry": "12345: sorry, something went wrong. Please try again or call 12345.",
    },
}


def voice(lang: str, key: str, **values) -> str:
    """A spoken sentence in the caller's language."""
    return VOICE[lang if lang in VOICE else "zh"][key].format(**values)


def sms(lang: str, key: str, **values) -> str:
    """An SMS text in the citizen's language."""
    return SMS[lang if lang in SMS else "zh"][key].format(**values)
