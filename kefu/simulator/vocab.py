"""The simulator's closed vocabularies, with the Chinese a trainee reads."""

from __future__ import annotations

CATEGORIES: dict[str, str] = {
    "case": "投诉案例",
    "counter": "柜台情境",
    "difficult": "难应付的投诉者",
    "persona": "客户性格",
    "harassment": "骚扰电话",
    "appointment": "预约电话",
}

# The QA rulebook channel a scenario's transcript is scored on.
CHANNELS: dict[str, str] = {"hotline": "热线电话", "counter": "营业厅柜台", "appointment": "上门预约电话"}
DEFAULT_CHANNEL: dict[str, str] = {
    "case": "hotline", "counter": "counter", "difficult": "hotline", "persona": "hotline",
    "harassment": "hotline", "appointment": "appointment",
}

PERSONAS: dict[str, str] = {"dove": "鸽子型", "peacock": "孔雀型", "tiger": "老虎型", "owl": "猫头鹰型"}

COMPLAINERS: dict[str, str] = {
    "emotional": "感情用事者",
    "justice": "滥用正义感者",
    "stubborn": "固执己见者",
    "self_admiring": "自我陶醉者",
    "prepared": "有备而来者",
    "connected": "有社会背景者",
}

# What the trainee can do in a turn, as the reaction rules see it (kefu.simulator.moves).
MOVES: dict[str, str] = {
    "greeting": "问候“您好”",
    "identify": "自报单位和工号",
    "offer_help": "询问能帮什么",
    "wei": "用“喂”开口",
    "empathy": "表达理解（同理心）",
    "apology": "道歉",
    "thank_feedback": "感谢客户反映",
    "repeat_confirm": "复述确认",
    "acknowledge": "倾听回应",
    "question": "提问了解情况",
    "explain": "解释原因",
    "options": "给出两种方案供选择",
    "guided_inquiry": "征询客户意见",
    "record": "告知已记录并跟进",
    "concrete_time": "给出具体时间",
    "vague_promise": "空泛承诺（无具体时间）",
    "rash_promise": "轻率承诺",
    "flat_no": "直接拒绝（说“不行”且无替代方案）",
    "alternative": "给出替代方案",
    "argue": "争辩或指责客户",
    "forbidden": "服务忌语",
    "deflect": "推诿（踢皮球）",
    "interrogate": "质问客户",
    "supervisor": "转交主管/上级",
    "praise": "赞美客户",
    "customer_name": "称呼客户",
    "one_more": "多说一句温馨提示",
    "more_help": "询问还有什么需要",
    "thanks": "致谢",
    "farewell": "道别祝福",
    "harass_end": "礼貌结束骚扰电话",
    "ask_repeat": "听不清时请客户再说一遍",
    "confirm_identity": "确认客户身份",
    "shouting": "大声喊叫（“喂喂，听到没有”）",
    "remedy": "提出客户可接受的方案",
    "refused_remedy": "提出客户不接受的方案",
}

# Situations the customer has lines for (scenario ``lines`` override the defaults).
SITUATIONS: dict[str, str] = {
    "greeted": "学员问候后客户说明来意",
    "vent": "客户仍在发泄",
    "calmer": "客户情绪缓和",
    "confirm": "客户确认复述",
    "provoked": "被“喂”、争辩、忌语或质问激怒",
    "deflected": "被推诿",
    "refused": "被直接拒绝",
    "vague": "听到空泛承诺",
    "rash": "听到轻率承诺",
    "premature": "还没问清情况就给方案",
    "not_yet": "情绪未平复时给方案",
    "choose": "在两种方案中选择",
    "accept": "接受方案",
    "reject": "拒绝不合适的方案",
    "push": "催问怎么解决",
    "nothing_else": "没有其他问题",
    "goodbye": "道别",
    "supervisor": "要求找主管",
    "threaten": "扬言向12300申诉",
    "transferred": "同意转主管",
    "hang_up": "愤而挂机",
    "tired": "失去耐心挂机",
    "unclear": "没听懂学员的话",
    "identity": "确认自己的身份",
    "unknown_question": "被问到不知道的事",
    "harass": "骚扰者继续纠缠",
}

OUTCOMES: dict[str, str] = {
    "resolved": "已解决",
    "escalated": "已升级（找主管或向12300申诉）",
    "hung_up": "客户挂机",
    "unresolved": "未解决",
}

FINISH_REASONS: dict[str, str] = {"trainee": "学员结束", "timeout": "时间到"}
