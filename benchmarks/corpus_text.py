"""Seeded Chinese text for the benchmark corpus: titles, bodies, opinions, applications.

Bodies are about 1,500 characters of an audit bureau's prose with headings, a numbered and a
bulleted list, a table and links, so Markdown rendering, sanitising and search indexing cost
what they would on real documents. Numbers are kept short so the secrecy scan (mobile, ID
card, bank card numbers) finds nothing in public documents, as in a real, checked corpus.
"""

from __future__ import annotations

import random

UNITS = (
    "区财政局", "区发展改革委", "区教委", "区卫生健康委", "区住房城乡建委", "区交通局", "区水利局",
    "区农业农村委", "区民政局", "区人力社保局", "区生态环境局", "区城市管理局", "区文化旅游委",
    "古南街道", "文龙街道", "三江街道", "新盛街道", "通惠街道", "石角镇", "东溪镇", "赶水镇",
    "打通镇", "永新镇", "区公共资源交易中心", "区医疗保障局", "区国有资产管理中心",
)  # fmt: skip
TOPICS = (
    "预算执行", "专项资金管理使用", "政府投资项目", "领导干部经济责任", "自然资源资产",
    "重大政策措施落实", "政府债务管理", "社会保障资金", "乡村振兴资金", "国有企业财务收支",
    "公共工程建设", "惠民惠农财政补贴资金", "医疗保障基金", "教育经费", "住房保障资金",
)  # fmt: skip
WORK = (
    "召开审计整改工作推进会", "开展审计业务培训", "召开党组理论学习中心组学习会",
    "部署年度审计项目计划", "开展“审计进机关”普法宣传", "召开审计质量讲评会", "开展政务公开专项检查",
    "召开廉政风险防控工作会", "组织审计人员业务考试", "开展保密工作自查",
)  # fmt: skip
SENTENCES = (
    "根据《中华人民共和国审计法》和《中华人民共和国审计法实施条例》的规定，区审计局依法对{unit}{year}年度{topic}情况进行了审计。",
    "审计坚持以习近平新时代中国特色社会主义思想为指导，围绕区委、区政府中心工作，聚焦主责主业。",
    "{unit}能够认真贯彻落实上级决策部署，{topic}总体规范，相关制度不断健全，取得了一定成效。",
    "审计抽查资金{n}万元，涉及项目{k}个，覆盖单位{m}家，延伸调查了部分基层单位和项目现场。",
    "{year}年，{unit}全年收入{n}万元，支出{n2}万元，年末结余{m}万元，较上年增长{p}%。",
    "审计发现，个别项目前期论证不够充分，资金拨付进度滞后，部分资金在账户中滞留时间较长。",
    "部分合同签订不规范，存在先实施后签订合同、合同条款约定不明确等问题，涉及金额{m}万元。",
    "对审计发现的问题，区审计局已依法出具审计报告，下达审计决定，并提出了审计建议。",
    "被审计单位高度重视审计发现的问题，制定整改方案，明确责任人和整改时限，逐项落实整改。",
    "截至目前，已整改问题{k}个，完善制度{m}项，追回或归还原渠道资金{p}万元。",
    "下一步，区审计局将持续跟踪检查整改情况，对整改不到位的问题督促落实，推动建立长效机制。",
    "会议强调，要进一步提高政治站位，深刻认识审计监督在党和国家监督体系中的重要作用。",
    "全体审计人员要严格遵守审计纪律和廉政规定，坚持依法审计、文明审计，不断提升审计质量。",
    "要强化审计成果运用，加强与纪检监察、组织人事等部门的贯通协同，形成监督合力。",
    "本办法所称政务信息，是指本局在履行审计职责过程中制作或者获取的，以一定形式记录、保存的信息。",
    "各科室应当按照“谁制作、谁公开”的原则，在信息形成之日起20个工作日内完成公开属性审查。",
    "公开属性由拟稿人在拟稿时提出，经科室负责人审核、分管领导签发后，由办公室进行复核与保密审查。",
    "申请人可以通过当面、邮寄、网络等方式提交政府信息公开申请，本局依法在规定期限内予以答复。",
    "本次培训采取集中授课与案例研讨相结合的方式进行，共有{k}名审计干部参加。",
    "通过培训，进一步提升了审计人员运用大数据开展审计的能力，为高质量完成审计任务打下坚实基础。",
    "{unit}对{topic}实行专账核算，资金使用总体符合规定，绩效目标基本实现。",
    "个别单位绩效目标设置不够科学，绩效评价结果运用不充分，影响资金使用效益。",
    "部分项目未按规定履行政府采购程序，存在化整为零规避公开招标的情况，涉及金额{n}万元。",
    "区审计局将坚持问题导向，做好审计“下半篇文章”，推动审计整改与制度建设同向发力。",
)  # fmt: skip
ITEMS = (
    "预算编制不够细化，年初代编预算比例偏高。", "结转结余资金未及时清理盘活。", "政府采购执行不够规范。",
    "项目竣工决算办理不及时。", "固定资产管理不规范，账实不符。", "往来款项长期挂账未清理。",
    "专项资金未按规定用途使用。", "绩效目标设置不够科学。", "内部控制制度执行不到位。",
    "工程结算审核把关不严，多计工程款。", "非税收入未及时足额上缴。", "公务卡使用不够规范。",
)  # fmt: skip
MEASURES = (
    "健全预算管理制度，提高预算编制的科学性和准确性。", "加快资金拨付进度，提高资金使用效益。",
    "严格执行政府采购制度，规范采购程序。", "加强建设项目全过程管理，及时办理竣工决算。",
    "完善内部控制制度，强化关键岗位和重点环节的监督。", "建立问题整改台账，实行销号管理。",
)  # fmt: skip
NUMERALS = "一二三四五六七八九十"
OPINIONS = {
    "review": ("公开属性准确，依据充分。", "内容无误，同意上报。", "同意。"),
    "sign": ("同意签发。", "同意。"),
    "check": ("经复核，未发现涉密和敏感信息。", "公开属性准确，同意。"),
    "external": ("区政府办公室已审核同意。",),
    "proofread": ("已校对，无误。", "校对无误。"),
}
NAMES = ("王五", "李明", "张丽", "刘强", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴芳", "徐涛", "孙悦",
         "马超", "朱琳", "胡军", "郭燕", "何平", "高峰", "林欣", "罗斌")  # fmt: skip
COMPANIES = ("重庆某建设工程有限公司", "綦江某农业开发有限公司", "某律师事务所", "某科技有限公司", "某研究院")


def _fill(rng: random.Random, text: str, unit: str, year: int, topic: str) -> str:
    return text.format(
        unit=unit, year=year, topic=topic, n=rng.randint(120, 98000), n2=rng.randint(100, 90000),
        m=rng.randint(2, 950), k=rng.randint(2, 60), p=round(rng.uniform(0.5, 35.0), 1),
    )  # fmt: skip


def body(rng: random.Random, title: str, year: int, links: list[str], target_chars: int = 1500) -> str:
    """A Markdown body of about ``target_chars`` Chinese characters."""
    unit, topic = rng.choice(UNITS), rng.choice(TOPICS)
    heads = ("基本情况", "主要做法", "发现的主要问题", "有关数据", "审计建议", "下一步工作")
    parts = [f"# {title}", ""]
    size = 0
    sections = 0
    while size < target_chars or sections < 4:
        heading = f"## {NUMERALS[sections % 10]}、{heads[sections % len(heads)]}"
        parts += [heading, ""]
        if sections == 1:
            items = rng.sample(ITEMS, 4)
            parts += [f"{i + 1}. {item}" for i, item in enumerate(items)] + [""]
            size += sum(len(i) for i in items)
        elif sections == 2:
            parts += ["| 项目 | 金额（万元） | 占比 |", "| --- | ---: | ---: |"]
            for _ in range(4):
                parts.append(f"| {rng.choice(TOPICS)} | {rng.randint(10, 9000)} | {round(rng.uniform(1, 60), 1)}% |")
            parts.append("")
        elif sections == 3:
            items = rng.sample(MEASURES, 3)
            parts += [f"- {item}" for item in items] + [""]
            size += sum(len(i) for i in items)
        for _ in range(2):
            para = "".join(_fill(rng, s, unit, year, topic) for s in rng.sample(SENTENCES, rng.randint(3, 5)))
            parts += [para, ""]
            size += len(para)
        sections += 1
    related = "、".join(f"[{text}]({href})" for text, href in zip(("相关文件", "政策解读", "审计法"), links, strict=False))
    parts += [f"相关链接：{related}。", ""]
    return "\n".join(parts)


def title_for(rng: random.Random, category: str, year: int) -> str:
    unit, topic = rng.choice(UNITS), rng.choice(TOPICS)
    match category:
        case "规范性文件":
            return f"关于印发《綦江区{topic}审计监督管理办法》的通知"
        case "本机关政策文件":
            return f"关于印发{year}年{topic}审计工作方案的通知"
        case "其他文件":
            return f"关于{unit}{topic}有关事项的通知"
        case "审计结果公告":
            return f"关于{unit}{year - 1}年度{topic}审计结果的公告"
        case "审计查出问题整改情况":
            return f"关于{unit}{topic}审计查出问题整改情况的公告"
        case "工作信息":
            return f"区审计局{rng.choice(WORK)}"
        case "会议":
            return f"区审计局{rng.choice(('党组会', '局务会', '审计业务会'))}会议纪要（{year}年第{rng.randint(1, 40)}期）"
        case "领导活动":
            return f"局领导赴{unit}调研{topic}审计工作"
        case "预算决算":
            return f"区审计局{year}年部门{rng.choice(('预算', '决算'))}公开"
        case "机构职能":
            return "区审计局机构职能"
        case "内部事务":
            return f"关于{rng.choice(('调整局内科室分工', '加强机关财务管理', '做好安全保卫工作', '规范公文处理'))}的{rng.choice(('通知', '请示', '报告'))}"
        case _:
            return f"区审计局{topic}工作情况"


def application(rng: random.Random, year: int) -> tuple[dict[str, str], str]:
    kind = rng.choices(("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"),
                       (70, 15, 3, 3, 7, 2))[0]  # fmt: skip
    name = rng.choice(NAMES) if kind == "自然人" else rng.choice(COMPANIES)
    request = rng.choice((
        f"申请公开{year - 1}年度{rng.choice(UNITS)}{rng.choice(TOPICS)}审计结果",
        f"申请公开{rng.choice(UNITS)}{rng.choice(TOPICS)}审计报告",
        f"申请公开{rng.choice(UNITS)}某工程项目结算审计资料",
        f"申请获取区审计局{year - 1}年部门决算",
    ))  # fmt: skip
    return {"type": kind, "name": name}, request
