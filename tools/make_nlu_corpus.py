"""Write the shipped NLU corpus under hotline/data/nlu/ by composing hand-written fragments.

    .venv/bin/python -m tools.make_nlu_corpus [--per-code 90] [--seed 12345]

Every message is built for one service code from that code's fragments (tools/nlu_fragments.py) and
fragments every code shares (greetings, who is writing, where, since when, feelings, what was tried,
closers, fillers, corrections, typos). The shared parts are drawn independently of the code, so a model
learns that they say nothing about the topic, as in real long posts. Styles: long posts, spoken
transcripts, short texts, typos, mixed Chinese/English, English, questions and suggestions.

corpus.csv is for training; corpus_heldout.csv is written from the same recipe but with one problem
sentence in six that never appears in corpus.csv, so it also measures wording the model never saw.
crosswoz_consult.csv holds questions from CrossWOZ (Apache-2.0) used to teach the kind "consult" only.
"""
from __future__ import annotations

import argparse
import csv
import random
import re
from pathlib import Path

from hotline.rules.taxonomy import load_taxonomy
from tools.nlu_fragments import FRAGMENTS

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "hotline" / "data" / "nlu"
TOWNSHIPS_CSV = ROOT / "hotline" / "data" / "beijing_townships_2023.csv"
CROSSWOZ_CSV = Path("/work/shared/data/crosswoz/user_turns_flat.csv")
HELDOUT_EVERY = 6  # one problem sentence in six is kept for corpus_heldout.csv only

# Styles and how often each is drawn (per code; emergencies ask no questions).
STYLES = (("long", 30), ("spoken", 20), ("short", 14), ("question", 12), ("english", 10), ("mixed", 7),
          ("suggestion", 7))

OPENERS = ["您好，", "你好，", "领导您好！", "尊敬的领导：", "12345您好，", "工作人员您好，", "喂，你好，", "", "", "",
           "麻烦问一下，", "打扰了，", "各位领导好，", "您好！我想反映个情况。", "你好，我要反映一个问题，"]
WHO = ["我是{place}的居民，", "我住在{place}，", "本人是{place}的业主，", "我家在{place}，", "我是{place}的租户，",
       "我们是{place}的住户，", "我在{place}上班，", "我是一名退休老人，住在{place}，", "我是外地来京务工人员，住{place}，",
       "{place}这边，", ""]
COMPOUNDS_A = ["阳光", "和平", "幸福", "金隅", "首开", "远洋", "龙湖", "东方", "西山", "清河", "长安", "华严", "富力", "天通",
               "北苑", "融泽", "保利", "建欣", "育新", "太阳"]
COMPOUNDS_B = ["花园", "家园", "小区", "新村", "嘉园", "公寓", "北里", "西里", "苑", "南区", "东里", "一区", "家属院"]
BACKGROUND = ["我们这是个老小区，住的大多是老人。", "我去年刚搬过来。", "我家里有八十多岁的老人和刚上学的孩子。",
              "我平时上班很忙，一直没时间反映。", "这个事情我们楼里很多人都有意见。", "我在这里住了二十多年了。",
              "我们小区有两千多户。", "事情是这样的，", "先说一下情况，", "我们是回迁户，", "我本人身体不太好，",
              "之前也反映过类似的问题。", "我爱人是残疾人，", "我们是去年买的二手房。"]
# The story around the problem in long posts: says nothing about the topic, as in real letters.
STORY = ["我是2015年搬到这里的，当时觉得环境还不错。", "这件事说来话长，", "我们家三代人住在一起，", "我平时很少给政府添麻烦，",
         "本来不想打扰你们，实在是没办法了。", "上个月我就想反映，一直拖到现在。", "邻居们让我代表大家写这封信。",
         "我今年六十多岁了，身体也不好，", "我是一名普通的上班族，", "我们找了很多人，跑了很多地方。",
         "我相信政府会给我们一个公道。", "现在网上大家都在说这个事。", "疫情以后我们家收入也减少了，",
         "之前也有人反映过，但是问题一直存在。", "孩子今年刚上小学，", "我老伴常年卧病在床，",
         "以前这里不是这样的。", "具体情况如下：", "希望领导能在百忙之中看一下。", "我们是外地来京多年的家庭，"]
DURATIONS = ["已经三天了", "一个多星期了", "好几个月了", "从上周开始就这样", "从昨天晚上开始", "半年多了", "两年多了",
             "这几天一直这样", "今年以来反复出现", "从春节前就开始了", "十多天了"]
FEELINGS = ["实在受不了了", "心里特别着急", "真的很无奈", "大家意见都很大", "严重影响了我们的正常生活", "太让人生气了",
            "希望引起重视", "我们都快崩溃了", "老人孩子都受影响", "真不知道该怎么办"]
TRIED = ["之前打过电话反映过，一直没人管。", "找过物业好几次，都说不归他们管。", "社区说会上报，但没有下文。",
         "打了好几次电话都没人接。", "在网上也留言了，没有回复。", "街道来人看过一次，之后就没消息了。",
         "去相关部门问过，让我们等通知。", "也找过村委会，没有结果。", "打过110，说这事不归他们管。"]
REQUESTS = ["希望有关部门尽快处理。", "麻烦派人来看看。", "请尽快解决。", "希望给我们一个说法。", "希望能早日解决。",
            "请相关部门管一管。", "恳请领导重视。", "希望尽快给个答复。", "请帮我们协调一下。"]
CLOSERS = ["谢谢！", "辛苦了。", "谢谢你们。", "盼复。", "万分感谢！", "", "", "谢谢领导！", "麻烦了。"]
KIND_MARKS = {
    "complaint": ["我要投诉，", "我要投诉这个问题：", "必须投诉一下，", "投诉！"],
    "report": ["我要举报，", "实名举报：", "我要举报一个情况，", "举报："],
    "help": ["求助！", "请帮帮我们，", "麻烦帮帮忙，", "急！"],
}
SUGGEST = ["建议相关部门加强{t}的管理。", "希望政府能重视一下{t}的问题。", "对{t}提个建议：", "我建议{t}这块能改进一下。",
           "关于{t}，我有个建议，", "能否把{t}的事情统筹考虑一下？"]
SUGGEST_TAIL = ["希望能采纳。", "供领导参考。", "谢谢！", "这样老百姓会方便很多。", "希望尽快落实。"]
GENERIC_Q = ["请问{t}的事情应该找哪个部门？", "我想咨询一下{t}的问题。", "关于{t}，想问一下相关政策。", "{t}方面的规定是怎样的？",
             "请问{name}这类问题归谁管？", "想了解一下{t}怎么办理？"]
FILLERS = ["嗯", "那个", "就是", "呃", "然后", "怎么说呢", "对", "您听我说", "啊", "这个"]
EN_OPENERS = ["Hello, ", "Hi, ", "Good morning, ", "Dear sir or madam, ", "", "", "Excuse me, ", "Hello 12345, "]
EN_WHO = ["I live in {place}. ", "I am a resident of {place}. ", "I am a foreigner living in {place}. ", "",
          "I work near {place}. ", "My family lives in {place}. "]
EN_DETAIL = ["This has been going on for a week. ", "It has been like this for months. ", "Nobody has done anything. ",
             "I called before but nothing happened. ", "It is really affecting our lives. ", "",
             "My Chinese is not good, sorry. ", "The management office says it is not their job. "]
EN_CLOSE = ["Please help.", "Please fix it as soon as possible.", "Thank you.", "Could someone look into this?",
            "Thanks in advance.", "", "I hope you can solve it."]
EN_Q = ["Can you tell me {q}?", "I would like to know {q}.", "Could you tell me {q}?", "Question: {q}?"]
EN_Q_BODIES = ["who is responsible for {t}", "which office handles {t}", "what the rules are for {t}",
               "how to deal with {t}"]
EN_TOPIC = {}  # filled from taxonomy English names
# Words a mixed message says in English (what people type in chats and texts).
MIXED = {"物业": "property", "电梯": "elevator", "投诉": "complain", "问题": "problem", "马上": "asap",
         "谢谢": "thx", "房东": "landlord", "工资": "salary", "老板": "boss", "外卖": "takeaway", "公司": "company",
         "APP": "APP", "网上": "online", "医院": "hospital", "地铁": "subway", "快递": "express"}
MIXED_TAILS = [" so annoying", " pls help", " really bad", " OMG", " help!!", " asap", " thx", " sorry to bother",
               " 真的很 crazy", " ok?"]
# Typing and input-method slips citizens make (pairs of right → wrong).
TYPOS = [("的", "得"), ("在", "再"), ("已经", "以经"), ("反映", "反应"), ("那", "哪"), ("做", "作"), ("应该", "因该"),
         ("部门", "部们"), ("麻烦", "麻凡"), ("一直", "一只"), ("厉害", "利害"), ("这么", "怎么"), ("没有", "没又"),
         ("根本", "跟本"), ("现在", "现再"), ("处理", "出理"), ("解决", "结决"), ("希望", "系望"), ("情况", "情款")]


def split(s: str) -> list[str]:
    """A '|' list of fragments."""
    return [x.strip() for x in s.split("|") if x.strip()]


def places(rng: random.Random) -> list[str]:
    """Township names and made-up compound names: where citizens say they are (no signal for the topic)."""
    names = []
    with TOWNSHIPS_CSV.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            names.append(row.get("name") or row.get("township_name") or next(iter(row.values())))
    return names


def compound(rng: random.Random, towns: list[str]) -> str:
    """A place as citizens name it: township, compound, building."""
    c = rng.choice(COMPOUNDS_A) + rng.choice(COMPOUNDS_B)
    pick = rng.random()
    if pick < 0.3:
        return rng.choice(towns) + c
    if pick < 0.55:
        return c + f"{rng.randint(1, 30)}号楼"
    if pick < 0.7:
        return rng.choice(towns)
    return c


def punct(s: str) -> str:
    """End a fragment with a full stop unless it already ends with punctuation."""
    return s if re.search(r"[。！？!?，,：:]$", s) else s + "。"


def typo(rng: random.Random, text: str) -> str:
    """One or two input slips, a doubled exclamation or no punctuation at all."""
    for right, wrong in rng.sample(TYPOS, len(TYPOS)):
        if right in text and rng.random() < 0.6:
            text = text.replace(right, wrong, 1)
            if rng.random() < 0.5:
                break
    if rng.random() < 0.3:
        text = re.sub(r"[。，]", " ", text).strip()
    if rng.random() < 0.2:
        text = text.replace("！", "！！！").replace("？", "？？")
    return text


class Composer:
    """Builds messages of every style for one code at a time."""

    def __init__(self, rng: random.Random, taxonomy):
        self.rng = rng
        self.taxonomy = taxonomy
        self.towns = places(rng)

    def place(self) -> str:
        return compound(self.rng, self.towns)

    def pick(self, items: list[str], n: int = 1) -> list[str]:
        return self.rng.sample(items, min(n, len(items)))

    def long(self, f: dict, situations: list[str]) -> tuple[str, str]:
        r = self.rng
        kind = f["k"] if f["k"] != "consult" and f["k"] != "suggestion" else "complaint"
        parts = [r.choice(OPENERS), r.choice(WHO).format(place=self.place())]
        if r.random() < 0.6:
            parts.append(r.choice(BACKGROUND))
        parts += r.sample(STORY, r.choice([0, 0, 1, 1, 2, 3]))
        if r.random() < 0.25:
            mark = r.choice(["complaint", "report", "help"])
            parts.append(r.choice(KIND_MARKS[mark]))
            kind = mark
        parts.append(punct(r.choice(situations)))
        parts.append(f"{r.choice(DURATIONS)}，{r.choice(FEELINGS)}。")
        for d in self.pick(split(f["d"]), r.choice([1, 1, 2])):
            parts.append(punct(d))
        if r.random() < 0.4 and len(situations) > 1:
            parts.append("而且" + punct(r.choice(situations)))
        if r.random() < 0.6:
            parts.append(r.choice(TRIED))
        parts.append(r.choice(REQUESTS))
        parts.append(r.choice(CLOSERS))
        return "".join(parts), kind

    def spoken(self, f: dict, situations: list[str]) -> tuple[str, str]:
        r = self.rng
        kind = f["k"] if f["k"] not in ("consult", "suggestion") else "complaint"
        s = r.choice(situations)
        words = re.split(r"[，,]", s)
        out = [r.choice(["喂，", "喂喂，", "喂你好，", "你好你好，", ""]), r.choice(FILLERS) + "，"]
        if r.random() < 0.5:
            out.append(f"我是{self.place()}的，")
        for w in words:
            if r.random() < 0.35:
                out.append(r.choice(FILLERS) + "，")
            out.append(w + "，")
            if r.random() < 0.25:
                out.append(w[: max(2, len(w) // 2)] + "，")  # repeats herself
        if r.random() < 0.35:
            # A correction: "三天了，不对不对，是一个礼拜了".
            out.append(r.choice(DURATIONS) + "，" + r.choice(["不对不对，", "哦不是，", "说错了，"]) + "是" + r.choice(DURATIONS) + "，")
        else:
            out.append(r.choice(DURATIONS) + "，")
        for d in self.pick(split(f["d"]), 1):
            out.append(d + "，")
        out.append(r.choice(["你们能不能派人来看看啊", "你们赶紧管管吧", "就是这么个情况", "您给登记一下", "怎么办呢"]))
        text = "".join(out)
        if r.random() < 0.5:
            text = text.replace("，", " ")
        return text.strip(" ，"), kind

    def short(self, f: dict, situations: list[str]) -> tuple[str, str]:
        r = self.rng
        kind = f["k"] if f["k"] not in ("consult", "suggestion") else "complaint"
        s = r.choice(situations).split("，")[0]
        form = r.random()
        if form < 0.3:
            return f"{self.place()}{s}", kind
        if form < 0.5:
            return f"{s}，{r.choice(['快来人', '急', '麻烦处理', '谁管管', '速回'])}", kind
        if form < 0.65:
            mark = r.choice(["complaint", "report", "help"])
            return r.choice(KIND_MARKS[mark]) + s, mark
        return s, kind

    def question(self, f: dict, code) -> tuple[str, str]:
        r = self.rng
        qs = split(f["q"])
        if qs and r.random() < 0.75:
            q = r.choice(qs)
        else:
            q = r.choice(GENERIC_Q).format(t=r.choice(split(f["t"])), name=code.name_zh)
        q = q if q.endswith(("？", "?")) else q + r.choice(["？", "？", "?", "", "呢？"])
        pre = r.choice(OPENERS + ["", "", "咨询一下，", "我想问一下，"])
        if r.random() < 0.35:
            pre += r.choice(WHO).format(place=self.place()) + r.choice(["", r.choice(BACKGROUND)])
        tail = r.choice(["", "", "谢谢。", "麻烦告诉我一下。", "急用，谢谢！"])
        return pre + q + tail, "consult"

    def suggestion(self, f: dict, situations: list[str]) -> tuple[str, str]:
        r = self.rng
        t = r.choice(split(f["t"]))
        text = r.choice(OPENERS) + r.choice(SUGGEST).format(t=t)
        if r.random() < 0.6:
            text += "现在" + punct(r.choice(situations))
        text += r.choice(["希望能", "建议", "能不能"]) + r.choice(["多安排人手", "定期检查", "公开处理进度", "设置专人负责",
                                                               "听听居民的意见", "出台具体措施"]) + "，" + r.choice(SUGGEST_TAIL)
        return text, "suggestion"

    def english(self, f: dict, code, english: list[str]) -> tuple[str, str]:
        r = self.rng
        if r.random() < 0.22 and f["k"] != "help" or not english:
            body = r.choice(EN_Q_BODIES).format(t=code.name_en.lower())
            return r.choice(EN_OPENERS) + r.choice(EN_Q).format(q=body), "consult"
        kind = f["k"] if f["k"] not in ("consult", "suggestion") else "complaint"
        s = r.choice(english)
        s = s[0].upper() + s[1:] + r.choice([".", ".", "!", ""])
        text = r.choice(EN_OPENERS) + r.choice(EN_WHO).format(place=r.choice(["Wangjing", "Chaoyang", "Haidian",
                                                                               "Sanlitun", "Shunyi", "Dongcheng",
                                                                               "Wudaokou", "Tongzhou", "Fengtai"]))
        text += s + " " + r.choice(EN_DETAIL) + r.choice(EN_CLOSE)
        if r.random() < 0.2:
            text = text.lower()
        return text.strip(), kind

    def mixed(self, f: dict, situations: list[str], english: list[str]) -> tuple[str, str]:
        r = self.rng
        kind = f["k"] if f["k"] not in ("consult", "suggestion") else "complaint"
        s = r.choice(situations)
        for zh, en in MIXED.items():
            if zh in s and r.random() < 0.7:
                s = s.replace(zh, en if r.random() < 0.5 else f" {en} ")
        text = r.choice(["hi，", "hello，", "", "Hi 12345，"]) + s + r.choice(MIXED_TAILS)
        if english and r.random() < 0.3:
            text += "，就是 " + r.choice(english)
        return re.sub(r"\s+", " ", text).strip(), kind


def compose_code(comp: Composer, code, f: dict, n: int, *, heldout: bool) -> list[tuple[str, str, str]]:
    """n messages (text, service_code, kind) for one code; heldout draws its own reserved sentences too."""
    r = comp.rng
    all_s = split(f["s"])
    reserved = all_s[HELDOUT_EVERY - 1::HELDOUT_EVERY]
    situations = all_s if heldout else [s for s in all_s if s not in reserved]
    english = split(f["e"])
    styles = [(s, w) for s, w in STYLES if not (s in ("question", "suggestion") and code.group == "emergency")]
    names, weights = zip(*styles)
    rows, seen = [], set()
    tries = 0
    while len(rows) < n and tries < n * 20:
        tries += 1
        style = r.choices(names, weights)[0]
        if heldout and reserved and r.random() < 0.5:
            pool = reserved  # half the held-out messages use wording the training corpus never has
        else:
            pool = situations
        if style == "long":
            text, kind = comp.long(f, pool)
        elif style == "spoken":
            text, kind = comp.spoken(f, pool)
        elif style == "short":
            text, kind = comp.short(f, pool)
        elif style == "question":
            text, kind = comp.question(f, code)
        elif style == "suggestion":
            text, kind = comp.suggestion(f, pool)
        elif style == "english":
            text, kind = comp.english(f, code, english)
        else:
            text, kind = comp.mixed(f, pool, english)
        if style != "english" and r.random() < 0.25:
            text = typo(r, text)
        if text in seen:
            continue
        seen.add(text)
        rows.append((text, code.code, kind))
    return rows


def crosswoz_questions(limit: int, rng: random.Random) -> list[tuple[str, str]]:
    """Questions users asked in CrossWOZ (Apache-2.0): (text, "consult"), to teach what a question looks like."""
    if not CROSSWOZ_CSV.exists():
        return []
    out = []
    with CROSSWOZ_CSV.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            u = row["utterance"].strip()
            if "Request" in row["intents"] and re.search(r"[？?吗呢]", u) and 6 <= len(u) <= 60:
                out.append(u)
    rng.shuffle(out)
    return [(u, "consult") for u in sorted(set(out[:limit]))]


def write(path: Path, header: list[str], rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-code", type=int, default=120, help="training messages per service code")
    parser.add_argument("--heldout-per-code", type=int, default=16, help="held-out messages per service code")
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args()
    taxonomy = load_taxonomy()
    missing = set(taxonomy.codes) - set(FRAGMENTS)
    if missing:
        raise SystemExit(f"no fragments for {', '.join(sorted(missing))}")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    train_rng, held_rng = random.Random(args.seed), random.Random(args.seed + 1)
    train, held = [], []
    for code in taxonomy.codes.values():
        train += compose_code(Composer(train_rng, taxonomy), code, FRAGMENTS[code.code], args.per_code, heldout=False)
        held += compose_code(Composer(held_rng, taxonomy), code, FRAGMENTS[code.code], args.heldout_per_code,
                             heldout=True)
    train_texts = {t for t, _, _ in train}
    held = [row for row in held if row[0] not in train_texts]
    write(OUT_DIR / "corpus.csv", ["text", "service_code", "kind"], train)
    write(OUT_DIR / "corpus_heldout.csv", ["text", "service_code", "kind"], held)
    cw = crosswoz_questions(600, random.Random(args.seed))
    if cw:
        write(OUT_DIR / "crosswoz_consult.csv", ["text", "kind"], cw)
    print(f"corpus.csv {len(train)} rows, corpus_heldout.csv {len(held)} rows, crosswoz_consult.csv {len(cw)} rows "
          f"in {OUT_DIR}")


if __name__ == "__main__":
    main()
