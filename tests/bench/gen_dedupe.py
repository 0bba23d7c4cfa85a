#!/usr/bin/env python3
"""Generate N customers with injected duplicates for crm-dedupe's scale
benchmark (tests/bench/dedupe.sh). Deterministic for a given N and seed.

usage: gen_dedupe.py N [SEED] > customers.csv

About 10% of the people get one or two more records, changed the ways CRM
exports change: phone re-formatted or full-width, e-mail in capitals or
missing, a space inside a Chinese name, a typo in a Latin name, a homophone
character, a missing city or birthday, company with another legal form.
Names come from common surnames and given-name characters, so namesakes
(true non-duplicates) are frequent. Column `entity` is the truth.
"""
import random
import sys

n_target = int(sys.argv[1])
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)

SUR = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIV = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆帅旭宁"
       "龙林欣怡婷雪琳晨博文轩然涵梓子一诺思远嘉豪志国建春海波晓峰德宏振东淑冠")
HOMO = {"明": "鸣", "伟": "玮", "玲": "铃", "杰": "洁", "峰": "锋", "华": "桦", "婷": "亭", "涵": "含", "静": "靖", "丽": "莉"}
FIRST = ["james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "william", "elizabeth",
         "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen",
         "daniel", "nancy", "matthew", "lisa", "anthony", "betty", "mark", "margaret", "donald", "sandra",
         "steven", "ashley", "paul", "kimberly", "andrew", "emily", "joshua", "donna", "kenneth", "michelle"]
LAST = ["smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
        "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin",
        "lee", "perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez", "lewis", "robinson",
        "walker", "young", "allen", "king", "wright", "scott", "torres", "nguyen", "hill", "flores"]
CITIES = ["上海", "北京", "广州", "深圳", "杭州", "成都", "南京", "武汉", "西安", "重庆", "天津", "苏州",
          "台北", "台中", "高雄", "新竹", "香港", "长沙", "郑州", "青岛", "宁波", "厦门", "福州", "济南"] + \
         ["city%02d" % i for i in range(36)]
FORMS = ["有限公司", "股份有限公司", "", "有限责任公司"]
FW = {c: chr(ord(c) + 0xFEE0) for c in "0123456789"}


def person(e):
    p = {"entity": e, "city": rng.choice(CITIES), "bday": "%d-%02d-%02d" % (
        rng.randrange(1950, 2005), rng.randrange(1, 13), rng.randrange(1, 29)),
        "phone": "1%d%09d" % (rng.randrange(30, 90), rng.randrange(10 ** 9)),
        "company": "公司%05d" % rng.randrange(20000)}
    if rng.random() < 0.7:
        p["name"] = rng.choice(SUR) + rng.choice(GIV) + (rng.choice(GIV) if rng.random() < 0.8 else "")
        p["latin"] = False
    else:
        p["name"] = "%s %s" % (rng.choice(FIRST).capitalize(), rng.choice(LAST).capitalize())
        p["latin"] = True
    p["email"] = "u%d@example%d.com" % (e, rng.randrange(50)) if rng.random() < 0.6 else ""
    return p


def typo(s):
    i = rng.randrange(1, len(s) - 1)
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]


def variant(p):
    r = dict(p)
    r["company"] = p["company"] + rng.choice(FORMS)
    for change in rng.sample(range(8), 3):
        if change == 0:
            r["phone"] = "%s %s %s" % (p["phone"][:3], p["phone"][3:7], p["phone"][7:])
        elif change == 1:
            r["phone"] = "".join(FW.get(c, c) for c in p["phone"])
        elif change == 2:
            r["email"] = p["email"].upper()
        elif change == 3:
            r["email"] = ""
        elif change == 4:
            if p["latin"]:
                r["name"] = typo(p["name"])
            else:
                r["name"] = p["name"][0] + " " + p["name"][1:]
        elif change == 5 and not p["latin"]:
            r["name"] = "".join(HOMO.get(c, c) for c in p["name"])
        elif change == 6:
            r["city"] = ""
        elif change == 7:
            r["bday"] = ""
    return r


def main():
    w = sys.stdout.write
    w("id,name,phone,email,company,city,birthday,entity\n")
    rows = 0
    e = 0
    while rows < n_target:
        e += 1
        p = person(e)
        recs = [dict(p, company=p["company"] + rng.choice(FORMS))]
        if rng.random() < 0.10:
            recs.append(variant(p))
            if rng.random() < 0.3:
                recs.append(variant(p))
        for r in recs:
            rows += 1
            w("C%07d,%s,%s,%s,%s,%s,%s,%d\n" % (rows, r["name"], r["phone"], r["email"], r["company"],
                                                r["city"], r["bday"], r["entity"]))


main()
