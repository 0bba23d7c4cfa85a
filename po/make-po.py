#!/usr/bin/env python3
# make-po.py — writes po/zh_CN.po and po/zh_TW.po from the table below.
# The table is the translation; crm-tools.pot (xgettext over lib/report.c,
# keywords crm_tr and N_) lists the msgids. Run after changing a label:
#   xgettext --from-code=UTF-8 --keyword=crm_tr --keyword=N_ --no-location \
#       --package-name=crm-tools -o po/crm-tools.pot lib/report.c
#   python3 po/make-po.py
import os

T = [
    ("Customers at period end", "期末客户数", "期末客戶數"),
    ("New customers", "新客户", "新客戶"),
    ("New leads", "新线索", "新潛在客戶"),
    ("Active customers (buyers)", "活跃客户（下单）", "活躍客戶（下單）"),
    ("Churned customers", "流失客户", "流失客戶"),
    ("Churn rate", "流失率", "流失率"),
    ("Retention rate", "留存率", "留存率"),
    ("Reactivated customers", "回流客户", "回流客戶"),
    ("Repeat purchase rate", "复购率", "回購率"),
    ("Repeat purchase rate (lifetime)", "复购率（累计）", "回購率（累計）"),
    ("Lead-to-customer conversion rate", "线索转化率", "潛在客戶轉換率"),
    ("Orders", "订单数", "訂單數"),
    ("Revenue", "销售额", "營收"),
    ("Average order value", "客单价", "平均訂單金額"),
    ("Revenue per active customer", "活跃客户人均销售额", "活躍客戶平均營收"),
    ("Average CLV", "平均客户终身价值", "平均顧客終身價值"),
    ("Revenue share of the top 20% by CLV", "终身价值前20%客户的销售额占比", "終身價值前20%顧客的營收占比"),
    ("Complaints opened", "新增投诉", "新增客訴"),
    ("Complaints per 100 active customers", "每百名活跃客户投诉数", "每百名活躍客戶客訴數"),
    ("Resolution time, median (hours)", "处理时长中位数（小时）", "處理時間中位數（小時）"),
    ("Resolution time, 90th percentile (hours)", "处理时长第90百分位（小时）", "處理時間第90百分位（小時）"),
    ("Resolved within SLA", "按时解决率", "準時解決率"),
    ("CSAT (share satisfied)", "满意度（满意占比）", "滿意度（滿意占比）"),
    ("CSAT (mean, 1-5)", "满意度（平均分，1-5）", "滿意度（平均分，1-5）"),
    ("NPS", "净推荐值", "淨推薦值"),
    ("✔ ok", "✔ 达标", "✔ 達標"),
    ("✘ miss", "✘ 未达标", "✘ 未達標"),
    ("KPI", "指标", "指標"),
    ("Change", "变化", "變化"),
    ("Target", "目标", "目標"),
    ("Status", "状态", "狀態"),
    ("Last 12 periods", "近12期", "近12期"),
    ("Key figures", "关键指标", "關鍵指標"),
    ("all", "全部", "全部"),
    ("Key figures by %s", "按%s分组的关键指标", "依%s分組的關鍵指標"),
    ("Period", "期间", "期間"),
    ("Revenue and active customers, last 12 periods", "近12期销售额与活跃客户", "近12期營收與活躍客戶"),
    ("First purchase", "首购月份", "首購月份"),
    ("Customers", "客户数", "客戶數"),
    ("Cohort retention by month of first purchase", "按首购月份的同期群留存", "依首購月份的世代留存"),
    ("Share of each month's new customers who bought again n months later.",
     "各月新客户在 n 个月后再次购买的比例。", "各月新客戶在 n 個月後再次購買的比例。"),
    ("Customer", "客户", "客戶"),
    ("External ID", "外部编号", "外部編號"),
    ("Share of revenue", "销售额占比", "營收占比"),
    ("Top customers by revenue in the period", "本期销售额最高的客户", "本期營收最高的客戶"),
    ("No customer bought in the period.", "本期没有客户下单。", "本期沒有客戶下單。"),
    ("Historical value", "历史消费额", "歷史消費額"),
    ("Last order", "最近下单", "最近下單"),
    ("P(alive)", "存活概率", "存活機率"),
    ("Days since", "距今天数", "距今天數"),
    ("P(alive) below 0.5 in the crm-score run of %s, by historical value.",
     "%s 的 crm-score 结果中存活概率低于 0.5 的客户，按历史消费额排序。",
     "%s 的 crm-score 結果中存活機率低於 0.5 的客戶，依歷史消費額排序。"),
    ("Lifecycle stage at_risk today, by historical value (save crm-score runs for P(alive)).",
     "今天处于 at_risk（有流失风险）阶段的客户，按历史消费额排序（保存 crm-score 结果可改用存活概率）。",
     "今天處於 at_risk（有流失風險）階段的客戶，依歷史消費額排序（儲存 crm-score 結果可改用存活機率）。"),
    ("High-value customers at risk", "有流失风险的高价值客户", "有流失風險的高價值客戶"),
    ("Segments", "客户分群", "客戶分群"),
    ("No segment history saved on or before the period's end (run crm-segment --save).",
     "本期结束前没有保存的分群记录（请运行 crm-segment --save）。",
     "本期結束前沒有儲存的分群紀錄（請執行 crm-segment --save）。"),
    ("Segment", "分群", "分群"),
    ("Share", "占比", "占比"),
    ("Previous", "上期", "上期"),
    ("RFM segments saved on %s; previous: %s.", "RFM 分群保存于 %s；上期：%s。", "RFM 分群儲存於 %s；上期：%s。"),
    ("RFM segments saved on %s.", "RFM 分群保存于 %s。", "RFM 分群儲存於 %s。"),
    ("From", "原分群", "原分群"),
    ("To", "现分群", "現分群"),
    ("Segment migration since the previous period", "与上期相比的分群迁移", "與上期相比的分群遷移"),
    ("No customer changed segment.", "没有客户变更分群。", "沒有客戶變更分群。"),
    ("KPI report %s", "%s 经营指标报告", "%s 經營指標報告"),
    ("%s to %s, compared with %s and %s; as of %s; money in %s",
     "%s 至 %s，对比 %s 和 %s；截至 %s；金额单位 %s",
     "%s 至 %s，對比 %s 和 %s；截至 %s；金額單位 %s"),
    ("No data for %s (%s to %s): no orders, refunds, new leads, complaints or survey answers in this period.",
     "%s（%s 至 %s）没有数据：本期没有订单、退款、新线索、投诉或调查回复。",
     "%s（%s 至 %s）沒有資料：本期沒有訂單、退款、新潛在客戶、客訴或調查回覆。"),
]


def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


here = os.path.dirname(os.path.abspath(__file__))
for col, lang, team in ((1, "zh_CN", "Simplified Chinese"), (2, "zh_TW", "Traditional Chinese")):
    with open(os.path.join(here, lang + ".po"), "w", encoding="utf-8") as f:
        f.write("# %s labels of crm-report. Made by po/make-po.py; edit the table there.\n" % team)
        f.write('msgid ""\nmsgstr ""\n')
        for h in ("Project-Id-Version: crm-tools", "PO-Revision-Date: 2026-11-24 00:00+0000",
                  "Last-Translator: crm-tools <crm-tools@localhost>", "Language-Team: " + team,
                  "Language: " + lang, "MIME-Version: 1.0",
                  "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: 8bit",
                  "Plural-Forms: nplurals=1; plural=0;"):
            f.write('"%s\\n"\n' % h)
        for row in T:
            flag = "#, c-format\n" if "%s" in row[0] else ""
            f.write("\n%smsgid %s\nmsgstr %s\n" % (flag, q(row[0]), q(row[col])))
