"""Words of a question for the knowledge base: jieba words and character pairs for Chinese, stems for English."""
from __future__ import annotations

import logging
import re
import threading

CJK = re.compile(r"[\u4e00-\u9fff]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"^[a-z0-9]+$")
_EN_WORD = re.compile(r"[a-z0-9]+")

# Fillers and function words that every message has; they carry no topic.
ZH_STOPWORDS = frozenset("""
的 了 吗 呢 啊 吧 呀 嘛 哦 么 呐 哈 我 你 您 他 她 它 我们 你们 他们 是 在 有 和 与 或 就 都 也 还 要 想 能 会
可以 一下 请问 问 问问 那个 这个 嗯 呃 就是 然后 一个 什么 怎么 怎么样 如何 哪里 哪儿 在哪 去哪 多少 几 多久 咋 啥
这 那 一 个 给 把 被 让 对 从 到 向 下 上 里 该 得 着 过 又 很 太 好 不 没 没有 能不能 可不可以 是不是 需要 应该
问一下 想问 知道 你好 您好 喂 谢谢 麻烦 怎么办 哪 去 办 来 说 用
""".split())
EN_STOPWORDS = frozenset("""
a an the is are am was were be been do does did i me my we our you your he she it its they them their to of in
on at for from by with and or if can could would should will how what where when which who why there this that
these those please hi hello get got need want have has had any some about into as so just not no yes beijing
""".split())
# British and American spellings and everyday synonyms, folded to the word the entries use.
EN_SPELLING = {"license": "licence", "garbage": "rubbish", "trash": "rubbish", "subway": "metro",
               "apartment": "flat", "kids": "child", "kid": "child", "children": "child"}

# Words that make a message a question. A statement without one (a complaint, a report) must match a lot
# more closely before it is answered: "楼道里有人给电动车充电" is a report, not "can I charge indoors?".
ZH_QUESTION_CUES = ("怎么", "怎样", "如何", "哪", "什么", "啥", "多少", "多久", "多长", "多大", "几点", "几号", "几月",
                    "几个月", "几年", "几天", "几岁", "几类", "吗", "么", "能不能", "可不可以", "可以", "能否", "是否",
                    "是不是", "有没有", "要不要", "需不需要", "会不会", "行不行", "算不算", "咋", "请问", "咨询", "想问",
                    "想了解", "找谁", "为什么", "为啥", "干嘛", "?", "？")
_EN_QUESTION = re.compile(r"\?|^(how|what|where|when|which|who|why|can|could|do|does|is|are|should|will|may)\b"
                          r"|\b(how (do|can|to|long|much|many)|what (is|are|do)|where (can|do|is)|tell me"
                          r"|i want to know|do i need)\b")

_jieba_lock = threading.Lock()
_jieba = None


def _cut(text: str) -> list[str]:
    """jieba words without its HMM guesses (they glue unknown characters into odd words such as 办狗证)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba  # imported on first use: loading its dictionary takes about a second
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba.lcut(text, HMM=False)


def is_chinese(text: str) -> bool:
    """The text has Chinese characters (it is searched with the Chinese index)."""
    return bool(CJK.search(text))


def zh_tokens(text: str) -> list[str]:
    """jieba words (stopwords out) plus character pairs, which survive typos and odd word splits."""
    text = text.lower()
    words = [w for w in _cut(text) if (CJK.search(w) or _WORD.match(w)) and w not in ZH_STOPWORDS]
    pairs = ["#" + run[i:i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)]
    return words + pairs


def _stem(word: str) -> str:
    word = EN_SPELLING.get(word, word)
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > 4 and word.endswith(suffix):
            return word[:-len(suffix)]
    return word


def en_tokens(text: str) -> list[str]:
    """Lower-case word stems without stopwords."""
    return [_stem(w) for w in _EN_WORD.findall(text.lower()) if w not in EN_STOPWORDS]


def tokens(text: str) -> list[str]:
    """The words of a text, Chinese or English by its script."""
    return zh_tokens(text) if is_chinese(text) else en_tokens(text)


def is_question(text: str) -> bool:
    """The message asks something (a question word or a question mark)."""
    if is_chinese(text):
        return any(cue in text for cue in ZH_QUESTION_CUES)
    return bool(_EN_QUESTION.search(text.lower().strip()))


# SMS: any character outside GSM-7 switches the whole text to UCS-2 (DOMAIN.md section 3).
_GSM7 = frozenset("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€")


def sms_segments(text: str) -> int:
    """How many SMS segments a text takes (160/153 GSM-7 characters, 70/67 UCS-2)."""
    single, multi = (160, 153) if set(text) <= _GSM7 else (70, 67)
    return 1 if len(text) <= single else -(-len(text) // multi)
