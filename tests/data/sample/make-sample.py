#!/usr/bin/env python3
"""Make the bundled sample data of crm-tools (tests/data/sample/).

A small tea-and-gifts trading company (茶叶礼品贸易) in Hangzhou with customers in
mainland China and Taiwan.  Deterministic: a fixed seed, no clock.  Run once from
this directory; the outputs are committed, so neither python3 nor this script is
needed at demo or test time.

    cd tests/data/sample && python3 make-sample.py

The deliberately bad rows are listed in README.md; keep the two in step.
"""
import datetime as dt
import random
import subprocess

R = random.Random(20260901)
START = dt.date(2025, 9, 1)
END = dt.date(2026, 10, 31)

# ---------------------------------------------------------------- people
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈任姚卢傅钟"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀英", "霞", "平", "刚", "桂英", "建国", "建华", "志强", "海燕", "小红",
         "晓东", "文博", "子涵", "思远", "雨萱", "浩然", "欣怡", "俊杰", "佳怡", "宇航", "梓萱",
         "国庆", "春梅", "立新", "红霞", "玉兰", "德明", "少华", "慧敏", "嘉豪", "一鸣"]
PINYIN = ["Zhang Wei", "Li Na", "Wang Lei", "Liu Yang", "Chen Jie", "Kevin Wu", "Amy Zhou",
          "Zhao Min", "Jason Huang", "Sun Li", "Lily Xu", "Gao Feng", "Michael Lin",
          "Tang Yu", "Annie Guo", "He Jun", "Eric Ma", "Song Qian"]
PY_MAIL = {}

REGIONS = {
    "华东": ["上海", "杭州", "南京", "苏州", "宁波", "合肥", "福州", "厦门", "济南", "青岛", "无锡", "温州"],
    "华北": ["北京", "天津", "石家庄", "太原", "呼和浩特", "唐山"],
    "华南": ["广州", "深圳", "东莞", "佛山", "南宁", "海口"],
    "西南": ["成都", "重庆", "昆明", "贵阳"],
}
REGION_W = {"华东": 50, "华北": 20, "华南": 20, "西南": 10}
AREA = {"上海": "021", "北京": "010", "广州": "020", "深圳": "0755", "杭州": "0571",
        "南京": "025", "成都": "028", "重庆": "023", "天津": "022"}
OWNERS = {"华东": ["王芳", "刘洋"], "华北": ["张伟"], "华南": ["李静", "刘洋"], "西南": ["李静"]}
SOURCES = ["展会", "淘宝", "微信", "老客户介绍", "官网", "抖音", "电话营销", "1688"]
LEVELS = ["普通会员", "银卡", "金卡", "钻石卡"]
COMPANY_MID = ["明达", "华信", "恒丰", "瑞祥", "鼎盛", "嘉禾", "宏远", "福源", "金诚", "新华",
               "万通", "盛世", "汇丰", "天成", "永兴", "润泽", "博雅", "中和"]
COMPANY_END = ["贸易有限公司", "科技有限公司", "餐饮管理有限公司", "茶业有限公司", "酒店管理有限公司",
               "文化传媒有限公司", "实业有限公司", "商贸行", "电子商务有限公司"]
MAIL_DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "139.com", "outlook.com"]
NOTES = ["", "", "", "", "", "", "要增值税专用发票", "只喝绿茶", "送礼用，包装要精美",
         "春节前备货", "周末不方便接电话", "老客户，价格敏感", "企业采购，走对公账户",
         "对普洱有兴趣", "喜欢紫砂壶", "中秋团购联系人"]

MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "155", "157", "158", "159", "166", "173", "177", "180", "181", "182",
                   "185", "186", "187", "188", "189", "191", "198", "199"]
used_phones = set()


def mobile():
    while True:
        n = R.choice(MOBILE_PREFIXES) + "".join(R.choice("0123456789") for _ in range(8))
        if n not in used_phones:
            used_phones.add(n)
            return n


def fmt_cn_mobile(n):
    """The same number as different people and systems type it."""
    f = R.choices(range(8), weights=[30, 20, 14, 10, 8, 8, 6, 4])[0]
    return [n,
            f"{n[:3]} {n[3:7]} {n[7:]}",
            f"{n[:3]}-{n[3:7]}-{n[7:]}",
            f"+86 {n[:3]} {n[3:7]} {n[7:]}",
            f"+86-{n}",
            f"0086 {n}",
            f"+86{n}",
            f"(+86){n[:3]}-{n[3:7]}-{n[7:]}"][f]


def cn_name():
    return R.choice(SURNAMES) + R.choice(GIVEN)


def email_for(name, company):
    if R.random() < 0.22:
        return ""                                   # missing e-mail
    if name.isascii():
        local = name.lower().replace(" ", ".")
    elif R.random() < 0.55:
        local = str(R.randint(10000000, 3999999999))   # QQ number
        return f"{local}@qq.com"
    else:
        local = R.choice(["tea", "cha", "xm", "lucky", "sunny", "happy", "gift", "wx"]) + str(R.randint(1, 999))
    if company and R.random() < 0.4:
        dom = f"{R.choice(['mingda', 'hengfeng', 'ruixiang', 'jiahe', 'fuyuan', 'tiancheng'])}.com.cn"
    else:
        dom = R.choice(MAIL_DOMAINS)
    e = f"{local}@{dom}"
    r = R.random()
    if r < 0.06:
        e = e.upper()
    elif r < 0.09:
        e = f"{name} <{e}>"
    return e


def birthday():
    if R.random() < 0.6:
        return ""
    d = dt.date(1960, 1, 1) + dt.timedelta(days=R.randint(0, 365 * 40))
    f = R.randrange(4)
    return [d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日",
            d.strftime("%Y%m%d")][f]


def csv_field(s):
    s = str(s)
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def write_csv(path, header, rows, eol="\n", bom=False):
    text = eol.join(",".join(csv_field(x) for x in r) for r in [header] + rows) + eol
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(("\ufeff" if bom else "") + text)


# ---------------------------------------------------------------- customers.csv
customers = []        # dicts, good rows only (those orders may refer to)
rows = []
for i in range(1, 301):
    cid = f"C{i:04d}"
    region = R.choices(list(REGION_W), weights=list(REGION_W.values()))[0]
    city = R.choice(REGIONS[region])
    name = R.choice(PINYIN) if R.random() < 0.08 else cn_name()
    company = ""
    if R.random() < 0.45:
        company = city + R.choice(COMPANY_MID) + R.choice(COMPANY_END)
    phone_n = mobile()
    phone = fmt_cn_mobile(phone_n)
    if company and city in AREA and R.random() < 0.15:   # an office line instead of a mobile
        phone = f"{AREA[city]}-{R.randint(5000, 8999)}{R.randint(1000, 9999)}"
        if R.random() < 0.5:
            phone += f" 转{R.randint(801, 899)}"
    c = dict(id=cid, name=name, phone=phone, phone_n=phone_n, email=email_for(name, company),
             company=company, city=city, region=region, owner=R.choice(OWNERS[region]),
             source=R.choice(SOURCES), birthday=birthday(), note=R.choice(NOTES),
             level=R.choices(LEVELS, weights=[60, 25, 12, 3])[0])
    customers.append(c)

# hand-written rows: a note with a comma and quotes, a multi-line note (Excel alt+enter)
customers[11].update(name="陈小明", phone="138 0013 8000", phone_n="13800138000",
                     email="XM.Chen@Example.com", company="上海明达贸易有限公司", city="上海",
                     region="华东", owner="王芳", birthday="1985-03-05", level="钻石卡",
                     note='大客户，每年中秋订"企业定制礼盒"200盒以上')
customers[40].update(note="送货前先打电话\n周末不在家，放门卫")
customers[77].update(note="要求开发票，抬头：杭州嘉禾茶业有限公司，税号另发")

# deliberately bad rows (see README.md): line = index + 2
BAD_CUSTOMERS = {
    57: dict(phone="138-0013"),                 # too short to be a phone number
    123: dict(email="wang@"),                   # no domain
    188: dict(birthday="1990-02-30"),           # no such day
    246: dict(email="zhang.li@163,com"),        # comma typed for the dot
}
for idx, ch in BAD_CUSTOMERS.items():
    customers[idx].update(ch)
bad_ids = {customers[i]["id"] for i in BAD_CUSTOMERS}

# likely duplicates, typed again later with a new id (for crm-dedupe; import keeps them apart)
def dup(src, cid, **ch):
    d = dict(src)
    d.update(id=cid, **ch)
    return d

dups = [
    dup(customers[11], "C0301", name="陳小明", phone="+86-138-0013-8000", email="", level="普通会员",
        note="展会登记", source="展会", birthday=""),
    dup(customers[30], "C0302", phone=f"0086 {customers[30]['phone_n']}", note="微信下单"),
    dup(customers[95], "C0303", name=customers[95]["name"] + " ", email=customers[95]["email"].upper(),
        phone="", note=""),
    dup(customers[150], "C0304", phone=fmt_cn_mobile(customers[150]["phone_n"]), email="",
        company=customers[150]["company"] or "个人", note="电话营销录入"),
    dup(customers[203], "C0305", name="Wang Jianguo", phone=customers[203]["phone_n"], note=""),
]
customers[203].update(name="王建国")
customers += dups

C_HEAD = ["客户编号", "客户名称", "手机", "邮箱", "公司", "城市", "地区", "负责人", "来源", "生日", "备注", "会员等级"]
write_csv("customers.csv", C_HEAD,
          [[c["id"], c["name"], c["phone"], c["email"], c["company"], c["city"], c["region"],
            c["owner"], c["source"], c["birthday"], c["note"], c["level"]] for c in customers],
          eol="\r\n", bom=True)

# ---------------------------------------------------------------- customers_tw.csv (Big5)
TW_SUR = "陳林黃張李王吳劉蔡楊許鄭謝郭洪邱曾廖賴周徐蘇葉莊呂江何蕭羅高"
TW_GIVEN = ["美玲", "志明", "淑芬", "雅婷", "怡君", "家豪", "俊傑", "建宏", "淑惠", "宗翰", "佩珊",
            "冠宇", "欣怡", "承恩", "麗華", "明哲", "秀琴", "文雄", "惠如", "國華", "嘉玲", "志偉"]
TW_CITIES = ["台北", "新北", "桃園", "台中", "台南", "高雄", "新竹", "基隆", "嘉義", "宜蘭"]
TW_COMP = ["茶行", "企業社", "股份有限公司", "貿易有限公司", "茶藝館", "禮品店"]
TW_OWNERS = ["林志偉", "黃怡君"]
tw = []
for i in range(1, 61):
    name = R.choice(TW_SUR) + R.choice(TW_GIVEN)
    city = R.choice(TW_CITIES)
    company = city + R.choice(["永豐", "福壽", "山海", "天仁", "春水", "金萱", "日月"]) + R.choice(TW_COMP) \
        if R.random() < 0.5 else ""
    n = "9" + "".join(R.choice("0123456789") for _ in range(8))
    phone = R.choice([f"+886 {n[:3]}-{n[3:6]}-{n[6:]}", f"+886{n}", f"+886-{n[:3]}-{n[3:6]}-{n[6:]}",
                      f"+886 {n[:3]} {n[3:6]} {n[6:]}", f"00886 {n}"])
    if company and R.random() < 0.2:
        phone = f"+886 2 {R.randint(2200, 2999)} {R.randint(1000, 9999)}"   # Taipei office line
    mail = "" if R.random() < 0.25 else \
        f"{R.choice(['tea', 'chen', 'lin', 'oolong', 'formosa', 'happy'])}{R.randint(1, 999)}@" + \
        R.choice(["gmail.com", "yahoo.com.tw", "hotmail.com", "hinet.net", "msa.hinet.net"])
    tw.append(dict(id=f"T{i:03d}", name=name, phone=phone, email=mail, company=company, city=city,
                   owner=R.choice(TW_OWNERS)))
# 許 (Big5 B3 5C) and 功 (A5 5C) carry a backslash as second byte: the classic Big5 trap
tw[16].update(name="許淑惠", company="台南功夫茶行", city="台南")
T_HEAD = ["客戶編號", "客戶名稱", "手機", "郵箱", "公司", "城市", "業務"]
write_csv("customers_tw.utf8.tmp", T_HEAD,
          [[c["id"], c["name"], c["phone"], c["email"], c["company"], c["city"], c["owner"]] for c in tw],
          eol="\r\n")
text = open("customers_tw.utf8.tmp", encoding="utf-8", newline="").read()
for ch in set(text):                   # every character must exist in Big5
    ch.encode("big5")
with open("customers_tw.csv", "wb") as out:
    subprocess.run(["iconv", "-f", "UTF-8", "-t", "BIG5", "customers_tw.utf8.tmp"], stdout=out, check=True)
back = subprocess.run(["iconv", "-f", "BIG5", "-t", "UTF-8", "customers_tw.csv"], capture_output=True, check=True)
assert back.stdout.decode() == text, "Big5 round trip changed the text"
subprocess.run(["rm", "-f", "customers_tw.utf8.tmp"], check=True)

# ---------------------------------------------------------------- orders.csv
PRODUCTS = [  # name, category, price
    ("西湖龙井 明前特级 250g", "绿茶", 398), ("洞庭碧螺春 200g", "绿茶", 268), ("黄山毛峰 250g", "绿茶", 168),
    ("安吉白茶 100g", "绿茶", 228), ("正山小种 200g", "红茶", 188), ("滇红金芽 250g", "红茶", 128),
    ("祁门红茶 礼罐", "红茶", 228), ("安溪铁观音 浓香 500g", "乌龙茶", 258), ("武夷大红袍 礼盒", "乌龙茶", 368),
    ("冻顶乌龙 300g", "乌龙茶", 420), ("普洱熟茶饼 357g", "普洱", 298), ("冰岛古树生普 357g", "普洱", 1280),
    ("福鼎白牡丹 饼", "白茶", 238), ("老寿眉 2018", "白茶", 316), ("宜兴紫砂壶 西施", "茶具", 680),
    ("龙泉青瓷茶具套装", "茶具", 880), ("玻璃公道杯", "茶具", 59), ("便携旅行茶具", "茶具", 149),
    ("中秋茶礼盒", "礼盒", 588), ("新春年货礼盒", "礼盒", 888), ("企业定制礼盒", "礼盒", 458),
    ("凤梨酥 12入", "茶点", 99.9), ("桂花糕", "茶点", 39.9),
]
GIFT = {"中秋茶礼盒": [(dt.date(2025, 9, 1), dt.date(2025, 10, 5)), (dt.date(2026, 8, 25), dt.date(2026, 9, 24))],
        "新春年货礼盒": [(dt.date(2026, 1, 5), dt.date(2026, 2, 15))]}


def in_window(p, d):
    return p not in GIFT or any(a <= d <= b for a, b in GIFT[p])


def season(d):
    """Gift seasons: 中秋 2025-10-06, 春节 2026-02-17, 中秋 2026-09-25."""
    for peak, w in ((dt.date(2025, 10, 6), 3.0), (dt.date(2026, 2, 17), 2.5), (dt.date(2026, 9, 25), 3.0)):
        if 0 <= (peak - d).days <= 35:
            return w
    return 1.0


def fmt_amount(v, tw=False):
    v = round(v, 2)
    if tw:
        return R.choice([f"NT${v:,.0f}", f"NT${v:.0f}", f"{v:.0f}新台幣"])
    s2 = f"{v:.2f}"
    f = R.choices(range(6), weights=[30, 20, 15, 15, 10, 10])[0]
    if f == 0:
        return f"¥{v:,.2f}"
    if f == 1:
        return f"{v:g}元" if v == int(v) else f"{s2}元"
    if f == 2:
        return f"{v:g}"
    if f == 3:
        return s2
    if f == 4:
        return f"￥{v:g}"
    return f"RMB {v:,.2f}"


def rand_time(d):
    h = R.choices(range(24), weights=[1, 1, 0, 0, 0, 0, 1, 2, 4, 7, 9, 9, 8, 8, 9, 9, 8, 7, 6, 7, 9, 9, 6, 3])[0]
    return dt.datetime(d.year, d.month, d.day, h, R.randrange(60), R.randrange(60))


def fmt_time(t):
    if R.random() < 0.25:   # re-saved in Excel, which drops the seconds and the zero padding
        return f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}"
    return t.strftime("%Y-%m-%d %H:%M:%S")


# buying behaviour per customer
buyers = [c for c in customers if c["id"] not in bad_ids] + [dict(c, tw=True) for c in tw]
R.shuffle(buyers)
plan = []
n = len(buyers)
for k, c in enumerate(buyers):
    r = k / n
    if r < 0.05:
        kind = "loyal_big"     # corporate buyers, every couple of weeks, big baskets
    elif r < 0.25:
        kind = "regular"
    elif r < 0.40:
        kind = "lapsed"        # bought for a while, then stopped months ago
    elif r < 0.78:
        kind = "oneoff"
    else:
        kind = "never"         # a lead that never bought
    plan.append((c, kind))

orders = []
span = (END - START).days
for c, kind in plan:
    if kind == "never":
        continue
    first = START + dt.timedelta(days=R.randint(0, span - 20))
    if kind == "loyal_big":
        first = START + dt.timedelta(days=R.randint(0, 40))
        gap, last = (3, 7), END
    elif kind == "regular":
        first = START + dt.timedelta(days=R.randint(0, 200))
        gap, last = (8, 25), END
    elif kind == "lapsed":
        first = START + dt.timedelta(days=R.randint(0, 90))
        gap, last = (10, 35), min(END, first + dt.timedelta(days=R.randint(60, 200)))
    else:
        gap, last = None, first
    d = first
    while d <= last:
        if R.random() < min(1.0, 0.7 * season(d)) or kind == "oneoff":
            orders.append((c, d))
        if gap is None:
            break
        d += dt.timedelta(days=R.randint(*gap))
    if kind == "loyal_big":    # gift-season bulk orders
        for a, b in [(dt.date(2025, 9, 10), dt.date(2025, 9, 30)), (dt.date(2026, 1, 10), dt.date(2026, 2, 10)),
                     (dt.date(2026, 9, 1), dt.date(2026, 9, 20))]:
            for _ in range(R.randint(2, 5)):
                orders.append((c, a + dt.timedelta(days=R.randint(0, (b - a).days))))

orders.sort(key=lambda x: x[1])
O_HEAD = ["订单号", "客户编号", "下单时间", "实付金额", "商品", "品类", "订单状态"]
orows = []
seq = {}
for c, d in orders:
    t = rand_time(d)
    seq[d] = seq.get(d, 0) + 1
    ono = f"SO{d:%Y%m%d}{seq[d]:04d}"
    choices = [p for p in PRODUCTS if in_window(p[0], d)]
    if season(d) > 1:
        choices += [p for p in PRODUCTS if p[1] == "礼盒" and in_window(p[0], d)] * 4
    p = R.choice(choices)
    q = R.randint(1, 3)
    price = p[2]
    if c.get("tw"):
        price = round(p[2] / 0.223 / 10) * 10            # list price in NT$
    amount = price * q
    if R.random() < 0.2:
        amount = amount * R.choice([0.9, 0.88, 0.95, 0.85])   # 满减 / member discount
    st = R.choices(["已付款", "已取消"], weights=[98, 2])[0]
    orows.append([ono, c["id"], fmt_time(t), fmt_amount(amount, c.get("tw")), p[0], p[1], st])
    # refunds: a row of their own, dated when the money went back
    if st == "已付款" and R.random() < 0.03:
        rd = d + dt.timedelta(days=R.randint(1, 14))
        if rd <= END:
            ra = -round(amount * R.choice([1, 1, 0.5]), 2)
            amt = fmt_amount(-ra, c.get("tw"))
            if R.random() < 0.7:
                amt = "-" + amt                             # negative amount and 退款
            orows.append([ono + "-R", c["id"], fmt_time(rand_time(rd)), amt, p[0], p[1],
                          R.choice(["退款", "退款", "退货"])])

# loyal corporate buyers: bump their baskets
loyal = {c["id"] for c, k in plan if k == "loyal_big"}
for r in orows:
    if r[1] in loyal and not r[0].endswith("-R") and r[6] == "已付款" and R.random() < 0.6 and not r[3].startswith("NT") and "新台幣" not in r[3]:
        r[3] = fmt_amount(R.choice([458, 588, 888]) * R.randint(5, 40))
        r[4], r[5] = "企业定制礼盒", "礼盒"

# keep refund rows after their order, in date order overall (as a shop export would be)
orows.sort(key=lambda r: (dt.datetime.strptime(r[2].split(" ")[0].replace("/", "-"), "%Y-%m-%d"), r[0]))

# deliberately bad rows (see README.md)
def at(i, row):
    orows.insert(i, row)

at(800, ["SO202601159001", "C0012", "2026-13-40 10:20:00", "¥1,280.00", "冰岛古树生普 357g", "普洱", "已付款"])
at(1500, ["SO202604029002", "C0087", "2026-04-02 15:02:11", "abc", "西湖龙井 明前特级 250g", "绿茶", "已付款"])
at(2100, ["SO202606189003", "C9999", "2026-06-18 09:45:00", "398.00", "西湖龙井 明前特级 250g", "绿茶", "已付款"])
# ragged: the amount typed with a thousands comma and not quoted — 8 fields
orows.insert(2600, None)
ragged = "SO202609109004,C0012,2026-09-10 11:30:00,¥2,350.00,企业定制礼盒,礼盒,已付款"

lines = [",".join(O_HEAD)] + [ragged if r is None else ",".join(csv_field(x) for x in r) for r in orows]
with open("orders.csv", "w", encoding="utf-8", newline="") as f:
    f.write("\n".join(lines) + "\n")

# ---------------------------------------------------------------- interactions.csv
buyer_ids = {c["id"]: c for c, k in plan}
owner_of = {c["id"]: c["owner"] for c in buyers}
ITYPES = [  # channel, kind, summaries, weight
    ("电话", "电话", ["回访龙井口感", "确认收货地址", "介绍中秋礼盒", "催付尾款", "询问复购意向", "新茶上市通知"], 30),
    ("微信", "微信", ["发送新品图片", "发送报价单", "节日问候", "发送物流单号", "推荐普洱饼", "会员积分提醒"], 35),
    ("邮件", "邮件", ["发送企业定制方案", "发送电子发票", "寄送产品目录", "年度合作报价"], 10),
    ("上门", "拜访", ["拜访客户办公室，试饮新茶", "送样品", "洽谈年度采购", "门店陈列指导"], 10),
    ("电话", "备注", ["客户说明年再买", "客户嫌价格贵", "客户换了采购负责人"], 5),
    ("微信", "问卷", ["售后满意度调查"], 10),
]
irows = []
ids = [c["id"] for c in buyers]
weighted = ids + [i for i in ids if i in loyal] * 8
for _ in range(500):
    cid = R.choice(weighted)
    ch, kind, summ, _w = R.choices(ITYPES, weights=[x[3] for x in ITYPES])[0]
    d = START + dt.timedelta(days=R.randint(0, span))
    t = rand_time(d).replace(second=0)
    csat = ""
    if kind == "问卷":
        csat = str(R.choices([1, 2, 3, 4, 5], weights=[3, 4, 10, 35, 48])[0])
        if R.random() < 0.3:
            kind = "回访"
    owner = owner_of[cid]
    irows.append([cid, t.strftime("%Y-%m-%d %H:%M"), ch, kind, owner, R.choice(summ), csat])
irows.sort(key=lambda r: r[1])
write_csv("interactions.csv", ["客户编号", "联系时间", "联系方式", "类型", "负责人", "内容", "满意度"], irows)

# ---------------------------------------------------------------- tickets.csv
TK = [("物流", ["快递延误一周", "外箱压坏", "送错地址", "物流信息不更新"]),
      ("质量", ["茶叶受潮结块", "口感与样品不符", "茶饼发霉", "紫砂壶有裂纹"]),
      ("包装", ["礼盒破损", "缺少手提袋", "包装与图片不一致"]),
      ("服务", ["客服回复慢", "销售承诺的赠品未发", "电话无人接听"]),
      ("发票", ["发票抬头错误", "未收到电子发票", "税号开错"])]
SEV = ["低", "一般", "一般", "高", "紧急"]
HOURS = {"低": (24, 240), "一般": (8, 120), "高": (2, 48), "紧急": (1, 12)}
trows = []
for i in range(60):
    cid = R.choice(weighted)
    cat, summ = R.choice(TK)
    sev = R.choice(SEV)
    d = START + dt.timedelta(days=R.randint(0, span))
    op = rand_time(d).replace(second=0)
    handler = R.choice(["赵敏", "孙丽", "周杰"])
    if op.date() > dt.date(2026, 10, 15) and R.random() < 0.7 or R.random() < 0.1:
        status, res = R.choice(["待处理", "处理中"]), ""
    else:
        status = R.choice(["已解决", "已解决", "结案"])
        res = (op + dt.timedelta(hours=R.randint(*HOURS[sev]), minutes=R.randrange(60))).strftime("%Y-%m-%d %H:%M")
    trows.append([None, cid, op.strftime("%Y-%m-%d %H:%M"), cat, sev, status, res, handler, R.choice(summ)])
trows.sort(key=lambda r: r[2])
for i, r in enumerate(trows, 1):
    r[0] = f"TS{r[2][:4]}{i:04d}"
write_csv("tickets.csv", ["工单号", "客户编号", "投诉时间", "投诉类型", "严重程度", "处理状态", "解决时间", "处理人", "投诉内容"], trows)

print(f"customers {len(customers)}, tw {len(tw)}, orders {len(orows)}, interactions {len(irows)}, tickets {len(trows)}")
