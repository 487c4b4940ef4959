"""Vocabulary and sizes of the benchmark data set (bench/seed.py): a large university over ten years.

Everything is drawn from one seeded ``random.Random``, so the same scale and reference day give the
same rows on every machine and database.
"""
from __future__ import annotations

import datetime as dt
import random

#: Rows at scale 1 (issue 6): 150 units, 3,000 accounts, 6,000 managers, 120 months of reports
#: (3,000 × 120 = 360,000), 30,000 change records, 1,000,000 audit rows.
SCALE_1 = {"units": 150, "accounts": 3000, "managers": 6000, "changes": 30000, "audit": 1_000_000,
           "violations": 600}
MONTHS = 120
PASSWORD = "bench-password-1"
SEED = 20261125

#: The benchmark logins; the seed also makes one editor (e_<CODE>) and one leader (l_<CODE>) per unit.
DEPT_LOGIN, AUDITOR_LOGIN, EDITOR_LOGIN, LEADER_LOGIN = "bench_dept", "bench_auditor", "bench_editor", "bench_leader"

UNIT_KIND_SHARES = [("functional", 40), ("college", 35), ("affiliated", 30), ("student_org", 35), ("other", 10)]

FUNCTIONAL = ["党委办公室", "校长办公室", "党委组织部", "党委统战部", "纪委办公室", "党委学生工作部", "研究生院", "教务处",
              "科学技术处", "社会科学处", "人事处", "财务处", "国际合作与交流处", "后勤管理处", "保卫处", "国有资产管理处",
              "审计处", "发展规划处", "招生就业处", "离退休工作处", "工会", "团委办公室", "信息化建设办公室", "实验室管理处",
              "基建处", "采购中心", "法律事务室", "校友工作办公室", "教师工作部", "武装部", "督导室", "质量评估中心",
              "继续教育处", "学科建设办公室", "对口支援办公室", "乡村振兴工作办公室", "保密办公室", "档案管理处",
              "安全稳定办公室", "爱国卫生办公室"]
SUBJECTS = ["会计", "金融", "经济", "统计与数学", "工商管理", "信息", "法学", "外国语", "马克思主义", "艺术", "体育",
            "国际工商", "商学", "财政税务", "城市与环境", "旅游文化", "公共管理", "人文", "物流与管理工程", "经济研究",
            "国际语言文化", "现代设计", "传媒", "电子商务", "农村发展", "保险", "审计", "数据科学", "智能工程",
            "管理科学", "会展", "民族经济", "边疆治理", "南亚东南亚", "创新创业"]
AFFILIATED = ["图书馆", "档案馆", "校医院", "出版社", "学报编辑部", "网络与信息中心", "分析测试中心", "博物馆",
              "附属中学", "附属小学", "幼儿园", "培训中心", "后勤服务集团", "资产经营公司", "教育发展基金会",
              "国际教育学院", "继续教育学院", "中华文化研究院", "高等教育研究所", "校史馆"]
STUDENT = ["学生会", "研究生会", "青年志愿者协会", "大学生艺术团", "学生社团联合会", "大学生记者团", "勤工助学中心",
           "心理健康协会", "创业协会", "辩论协会", "摄影协会", "书法协会", "国旗护卫队", "红十字会"]
OTHER = ["校友会", "董事会办公室", "老年大学", "关工委", "教代会秘书处", "妇委会", "侨联", "科协", "社科联", "援滇工作组"]

#: (platform code, weight in the account mix, short name used in account names)
PLATFORMS = [("wechat_subscription", 30, "公众号"), ("weibo", 15, "微博"), ("douyin", 12, "抖音"),
             ("wechat_channels", 9, "视频号"), ("bilibili", 6, "B站"), ("xiaohongshu", 6, "小红书"),
             ("wechat_service", 5, "服务号"), ("kuaishou", 4, "快手"), ("qq", 3, "QQ"), ("wechat_work", 2, "企业号"),
             ("app", 2, "APP"), ("web_video", 2, "微视频"), ("mobile_paper", 2, "手机报"), ("other", 2, "")]
OTHER_PLATFORMS = ["今日头条", "知乎", "网易号", "喜马拉雅", "百家号"]
DOMAINS = {"weibo": "weibo.com", "douyin": "www.douyin.com", "bilibili": "space.bilibili.com",
           "xiaohongshu": "www.xiaohongshu.com/user", "kuaishou": "www.kuaishou.com/profile"}
#: (status, share of accounts in per mille); mostly registered and in the matrix.
ACCOUNT_STATUSES = [("approved", 840), ("suspended", 20), ("closed", 30), ("draft", 30), ("unit_review", 20),
                    ("dept_review", 40), ("returned", 20)]
TOPICS = ["", "青年", "资讯", "校友", "招生", "就业", "学术", "党建", "服务", "之声", "视界", "家园", "在线", "微课堂"]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉鑫宇晨欣怡子涵浩然思雨梓轩一诺佳琪俊杰雅婷"
TITLES = ["办公室主任", "宣传干事", "辅导员", "团委书记", "副院长", "科长", "科员", "馆员", "工程师", "讲师", "教授",
          "学生记者", "学生干部", "秘书"]
EMPLOYMENT = [("staff", 800), ("non_staff", 100), ("student", 60), ("left", 40)]

TOPIC_PHRASES = ["学院新闻", "通知公告", "学术讲座", "学生活动报道", "招生宣传", "就业信息", "党建工作", "校友风采",
                 "教学成果", "科研动态", "志愿服务", "安全教育", "心理健康", "毕业季", "开学典礼", "国际交流",
                 "文化活动", "体育赛事", "疫情防控", "主题教育", "理论学习", "服务指南"]
OPINIONS_UNIT = ["已知我单位开设此新媒体帐号，并明确对此帐号及发布内容负有管理责任。", "属实。", "同意报送。"]
OPINIONS_DEPT = ["同意备案。", "已阅。", "准予变更备案。", "同意。"]
RETURN_REASONS = ["媒体定位填写不完整，请补充受众定位。", "管理人员联系方式缺失，请补充。", "发布信息数量与实际不符，请核对。"]
VENDORS = ["昆明新媒文化传播有限公司", "云南青禾网络科技有限公司", "滇池数字传媒有限公司"]
CHANGE_REASONS = ["统一学院新媒体命名", "人员岗位调整", "收回自行维护", "委托第三方运营", "机构调整"]
VIOLATION_TEXTS = ["转载未注明来源的图片", "发布信息未经审核", "涉及未公开的考试安排", "使用未授权的字体与图片",
                   "月报表逾期报送", "备案逾期"]


def weighted(rng: random.Random, pairs: list[tuple]) -> str:
    """The first element of a (value, weight, …) pair chosen by weight."""
    total = sum(p[1] for p in pairs)
    pick = rng.random() * total
    for pair in pairs:
        pick -= pair[1]
        if pick < 0:
            return pair[0]
    return pairs[-1][0]


def spread(total: int, weights: list[float]) -> list[int]:
    """``total`` split along ``weights`` (largest remainder), every share at least 1 when total allows."""
    scale = sum(weights)
    raw = [total * w / scale for w in weights]
    shares = [max(1, int(r)) if total >= len(weights) else int(r) for r in raw]
    rest = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    i = 0
    while rest != 0 and order:
        j = order[i % len(order)]
        if rest > 0:
            shares[j] += 1
            rest -= 1
        elif shares[j] > 1:
            shares[j] -= 1
            rest += 1
        i += 1
    return shares


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def random_time(rng: random.Random, day: dt.date, start_hour: int = 8, end_hour: int = 19) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randrange(start_hour, end_hour), rng.randrange(60),
                                            rng.randrange(60)))
