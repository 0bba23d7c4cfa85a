#!/usr/bin/env python3
"""Make zh_people.csv: Chinese and mixed-script customer records with known
duplicates, for crm-dedupe's quality figure (tests/bench/dedupe_zh.sh).

Duplicates are written the ways real exports differ when phone and e-mail
are no help (both missing, or different numbers and addresses):
Traditional vs Simplified characters, an IME homophone typo in the given
name, pinyin in either word order, full-width letters and digits, company
names with and without their legal form, a missing city or birthday. True
non-duplicates share a full name (with another birthday and city) or a
company. The column `entity` is the truth; crm-dedupe must be run with
--ignore entity. Deterministic: python3 make_zh.py > zh_people.csv
"""
import csv
import random
import sys

rng = random.Random(20261124)

# (simplified, traditional, pinyin) surnames
SURNAMES = [
    ("陈", "陳", "chen"), ("张", "張", "zhang"), ("王", "王", "wang"), ("李", "李", "li"),
    ("刘", "劉", "liu"), ("黄", "黃", "huang"), ("杨", "楊", "yang"), ("赵", "趙", "zhao"),
    ("吴", "吳", "wu"), ("周", "周", "zhou"), ("林", "林", "lin"), ("郭", "郭", "guo"),
    ("何", "何", "he"), ("高", "高", "gao"), ("罗", "羅", "luo"), ("郑", "鄭", "zheng"),
    ("梁", "梁", "liang"), ("谢", "謝", "xie"), ("宋", "宋", "song"), ("许", "許", "xu"),
    ("韩", "韓", "han"), ("冯", "馮", "feng"), ("邓", "鄧", "deng"), ("曹", "曹", "cao"),
    ("萧", "蕭", "xiao"), ("叶", "葉", "ye"), ("苏", "蘇", "su"), ("卢", "盧", "lu"),
    ("钟", "鍾", "zhong"), ("谭", "譚", "tan"), ("欧阳", "歐陽", "ouyang"), ("单", "單", "shan"),
]
# (simplified, traditional, pinyin syllables, homophone variant in simplified)
GIVEN = [
    ("小明", "小明", "xiao ming", "晓明"), ("志伟", "志偉", "zhi wei", "志玮"),
    ("建国", "建國", "jian guo", "建果"), ("丽娟", "麗娟", "li juan", "丽鹃"),
    ("美玲", "美玲", "mei ling", "美铃"), ("俊杰", "俊傑", "jun jie", "俊洁"),
    ("家豪", "家豪", "jia hao", "佳豪"), ("雅婷", "雅婷", "ya ting", "雅亭"),
    ("诗涵", "詩涵", "shi han", "诗含"), ("子轩", "子軒", "zi xuan", "子宣"),
    ("思远", "思遠", "si yuan", "思源"), ("晓峰", "曉峰", "xiao feng", "晓锋"),
    ("国强", "國強", "guo qiang", "国墙"), ("春华", "春華", "chun hua", "春桦"),
    ("玉兰", "玉蘭", "yu lan", "玉岚"), ("德华", "德華", "de hua", "德桦"),
    ("宏伟", "宏偉", "hong wei", "宏玮"), ("静怡", "靜怡", "jing yi", "静宜"),
    ("文杰", "文傑", "wen jie", "文洁"), ("海燕", "海燕", "hai yan", "海艳"),
    ("嘉欣", "嘉欣", "jia xin", "佳欣"), ("振东", "振東", "zhen dong", "振冬"),
    ("淑芬", "淑芬", "shu fen", "淑分"), ("冠宇", "冠宇", "guan yu", "冠雨"),
]
CITIES = [("上海", "上海"), ("北京", "北京"), ("广州", "廣州"), ("深圳", "深圳"),
          ("台北", "臺北"), ("台中", "臺中"), ("高雄", "高雄"), ("杭州", "杭州"),
          ("成都", "成都"), ("香港", "香港"), ("新竹", "新竹"), ("南京", "南京")]
COMPANIES = [("华星电子", "華星電子", "Huaxing Electronics"), ("东方贸易", "東方貿易", "Dongfang Trading"),
             ("远景科技", "遠景科技", "Yuanjing Technology"), ("长青食品", "長青食品", "Changqing Foods"),
             ("金龙物流", "金龍物流", "Jinlong Logistics"), ("宏达机械", "宏達機械", "Hongda Machinery"),
             ("新丰纺织", "新豐紡織", "Xinfeng Textiles"), ("大同医药", "大同醫藥", "Datong Pharma")]
FORMS_HAN = ["有限公司", "股份有限公司", "有限责任公司", ""]
FORMS_LAT = ["Co., Ltd.", "Inc.", "Ltd", "LLC"]

FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@.-"}


def fullwidth(s):
    return "".join(FULLWIDTH.get(c, c) for c in s)


def phone():
    return "09%02d-%03d-%03d" % (rng.randrange(100), rng.randrange(1000), rng.randrange(1000))


def email(py):
    return "%s%d@%s" % (py.replace(" ", ".").replace("..", "."), rng.randrange(100),
                        rng.choice(["example.com", "mail.tw", "qq.com", "163.com"]))


def birthday():
    return "%d-%02d-%02d" % (rng.randrange(1950, 2004), rng.randrange(1, 13), rng.randrange(1, 29))


def person(entity_no):
    s = rng.choice(SURNAMES)
    g = rng.choice(GIVEN)
    c = rng.choice(CITIES)
    co = rng.choice(COMPANIES)
    return {"entity": entity_no, "s": s, "g": g, "city": c, "co": co, "bday": birthday()}


def render(p, style):
    """One record of person p written in style (0 = the plain simplified one)."""
    s_simp, s_trad, s_py = p["s"]
    g_simp, g_trad, g_py, g_homo = p["g"]
    city_s, city_t = p["city"]
    co_s, co_t, co_l = p["co"]
    rec = {"name": s_simp + g_simp, "company": co_s + rng.choice(FORMS_HAN),
           "city": city_s, "birthday": p["bday"], "phone": phone(), "email": email(s_py + " " + g_py)}
    if style == 1:    # Traditional characters, Taiwan export
        rec.update(name=s_trad + g_trad, company=co_t + "股份有限公司", city=city_t)
    elif style == 2:  # homophone typo in the given name
        rec.update(name=s_simp + g_homo)
    elif style == 3:  # pinyin, given name first
        given = g_py.replace(" ", "").capitalize()
        rec.update(name="%s %s" % (given, s_py.capitalize()), company=co_l + " " + rng.choice(FORMS_LAT))
    elif style == 4:  # pinyin, surname first, with a space between syllables
        rec.update(name="%s %s" % (s_py.upper(), g_py.title()), company=co_l + " " + rng.choice(FORMS_LAT))
    elif style == 5:  # spaces and full-width digits in the birthday, city missing
        rec.update(name=s_simp + " " + g_simp, city="", birthday=fullwidth(p["bday"]))
    elif style == 6:  # Traditional with a homophone typo, company without legal form
        rec.update(name=s_trad + g_homo, company=co_t)
    if rng.random() < 0.5:
        rec["phone"] = ""
    if rng.random() < 0.5:
        rec["email"] = ""
    if rng.random() < 0.3:
        rec["phone"] = fullwidth(rec["phone"])
    return rec


def main():
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["客户编号", "姓名", "公司", "城市", "生日", "手机", "邮箱", "entity"])
    rows = []
    people = []
    for e in range(1, 161):
        p = person(e)
        people.append(p)
        copies = rng.choice([1, 1, 2, 2, 2, 3])
        styles = [0] + rng.sample([1, 2, 3, 4, 5, 6], copies - 1)
        for st in styles:
            rows.append((e, render(p, st)))
    # True non-duplicates: the same full name (another birthday and city),
    # and colleagues at one company.
    e = 1000
    for p in rng.sample(people, 30):
        e += 1
        q = dict(p, entity=e, bday=birthday(), city=rng.choice([c for c in CITIES if c != p["city"]]))
        q["co"] = rng.choice(COMPANIES)
        rows.append((e, render(q, 0)))
    for p in rng.sample(people, 20):
        e += 1
        q = person(e)
        q["co"] = p["co"]
        q["city"] = p["city"]
        rows.append((e, render(q, 0)))
    rng.shuffle(rows)
    for n, (ent, r) in enumerate(rows, 1):
        out.writerow(["Z%04d" % n, r["name"], r["company"], r["city"], r["birthday"], r["phone"],
                      r["email"], ent])


main()
