"""Simulated trainees for the tests: lines generated from templates filled
with the scenario's own data (its customer, facts, remedies, needs), so each
scenario is tried by several differently worded trainees, not one script.

A *good* trainee follows the norms: greets and identifies, listens and
repeats back, empathises, asks before proposing, offers two options within
policy, confirms, asks whether there is anything else, thanks. A *bad* one
opens with 喂, argues, deflects and says 不行 with no alternative — and also
offers a remedy, so a failure is the customer's reaction, not a missing offer.
"""

from __future__ import annotations

from kefu.simulator import Scenario

OPENINGS = (
    "您好，客服中心，工号{n}为您服务，请问有什么可以帮您？",
    "您好，很高兴为您服务，我是客服代表{n}号，请问有什么可以帮到您？",
    "您好，这里是客服中心，我是{n}号客服，请问您遇到什么问题了？",
)
COUNTER_OPENINGS = (
    "您好，欢迎光临，请坐。请问您需要办理什么业务？",
    "您好，请坐，我是{n}号营业员，请问有什么可以帮您？",
    "您好，欢迎光临！您请坐，请问您要办理什么？",
)
APPOINTMENT_OPENINGS = (
    "您好，请问是{name}吗？我是城区分公司的维护员小李，想和您预约上门的时间，现在方便接听吗？",
    "您好，{name}，我是分公司的维护员王师傅，联系您预约上门服务，请问现在方便吗？",
    "您好，请问您是{name}吗？我是分公司营维中心的工程师小张，想跟您约一下上门时间，打扰您几分钟可以吗？",
)
EMPATHY = (
    "嗯，{name}，非常理解您的心情，换作是我也会着急，给您添麻烦了。",
    "{name}，我能理解您现在着急的心情，给您带来不便非常抱歉。",
    "嗯，{name}您别着急，我非常理解您的感受，给您带来困扰了。",
)
REPEAT = (
    "我确认一下，您是说{gist}，对吗？",
    "您的意思是{gist}，是这样吗？",
    "跟您确认一下，您反映的是{gist}，对吗？",
)
ASK = (
    "请问{ask}方便告诉我吗？",
    "麻烦问一下，{ask}是什么情况呢？",
    "请问您能说一下{ask}吗？",
)
EXTRA = {
    "praise": "您记得这么清楚，考虑得很周到。",
    "thank_feedback": "也感谢您的反映。",
    "apology": "非常抱歉。",
    "explain": "我帮您核实了一下。",
    "record": "您反映的情况我已经记录下来，",
    "concrete_time": "今天下午5点前给您准确答复，",
    "guided_inquiry": "",
    "customer_name": "",
    "empathy": "",
}
# What a good trainee says for a move the scenario itself needs (besides the ones every proposal carries).
NEEDS = {
    "ask_repeat": ("不好意思，刚才没听清，请您再说一遍可以吗？", "抱歉，我这边听不太清楚，麻烦您再说一遍好吗？", "不好意思，请您再说一遍可以吗？"),
}
PROPOSE_TWO = (
    "我们有两种处理方式：一是{r1}，二是{r2}，您看哪种更合适？",
    "{r1}，或者{r2}，您看您希望怎么处理？",
    "可以为您{r1}，也可以{r2}，您觉得哪种方式好？",
)
PROPOSE_ONE = (
    "我们可以{r1}，您看这样可以吗？",
    "建议{r1}，您看这样处理可以吗？",
    "可以为您{r1}，您觉得这样行吗？",
)
CONFIRM = (
    "好的，已为您办理，我已经记录下来，今天下午5点前跟进处理结果。温馨提示，以后有问题可以随时联系我们。请问还有其他可以帮您的吗？",
    "好的，已经为您登记，24小时内处理完毕，我会跟进回复您。另外提醒您，办理进度可以随时查询。请问还有其他需要吗？",
    "好的，已帮您提交，明天上午前给您回复，我会持续跟进。温馨提示，有变化我们会短信通知您。请问还有什么可以帮您的吗？",
)
CLOSE = (
    "感谢您的来电，祝您生活愉快，再见。",
    "非常感谢您的来电，祝您一切顺利，再见。",
    "谢谢您的来电，祝您工作顺利，再见！",
)
COUNTER_CONFIRM = (
    "好的，已经为您办理好了，请拿好。温馨提示，以后也可以在手机上办理。麻烦您对我的服务做个评价，请问还有其他需要吗？",
    "好的，已为您办理完毕，请您收好。另外提醒您，下次带上身份证原件会更快。请您对本次服务评价一下，还有其他可以帮您的吗？",
    "已经帮您办好了。温馨提示，相关短信请注意查收。请您给我的服务打个分，请问还有其他业务吗？",
)
COUNTER_CLOSE = (
    "谢谢您，请慢走，再见！",
    "感谢您的耐心，请拿好您的证件，慢走，再见。",
    "谢谢您的配合，欢迎再来，再见！",
)
APPOINTMENT_CONFIRM = (
    "好的，那就约定这个时间，我已经记录下来，到之前半小时电话联系您。请问还有其他需要吗？",
    "好的，已为您登记这个时间，出发前给您打电话。请问还有其他问题吗？",
    "好的，时间定下来了，我已经记录好，上门前半小时给您打电话。还有其他需要吗？",
)
APPOINTMENT_CLOSE = (
    "非常感谢您的配合，我会按约定时间上门为您服务，再见。",
    "感谢您的配合，我们按约定时间上门，祝您生活愉快，再见。",
    "非常感谢您的配合，到时候见，再见！",
)
HARASS = (
    ("您好，客服中心，工号{n}为您服务，请问有什么可以帮您？",
     "先生，请问您有什么业务需要办理吗？",
     "您好，您好，听得到吗？对不起线路故障，请稍后再拨。"),
    ("您好，很高兴为您服务，请问有什么可以帮您？",
     "请问您是要咨询业务吗？",
     "您好，听不到您的声音，对不起线路故障，请稍后再拨。"),
    ("您好，这里是客服中心，我是{n}号客服，请问有什么可以帮您？",
     "您好，听得到吗？对不起线路故障，请稍后再拨，再见。"),
)
BAD = (
    ("喂，什么事？", "你自己的问题，跟我们没关系。", "不行，这个办不了。", "你去营业厅问吧。", "{r1}，就这样。"),
    ("喂喂，说。", "这是规定，规定就是这样。", "你找别的部门去，不归我管。", "不行就是不行。", "行了，{r1}。"),
    ("喂？", "你听不懂吗？我已经说过了。", "请您咨询当地营业厅。", "不行。", "{r1}吧，你有完没完。"),
)


def _gist(scenario: Scenario) -> str:
    return scenario.title


def _name(scenario: Scenario) -> str:
    return scenario.customer_name or "您好"


def _remedy_say(scenario: Scenario, i: int) -> str:
    return scenario.remedies[i % len(scenario.remedies)].say


def good_trainee(scenario: Scenario, variant: int) -> list[str]:
    """A norm-following trainee's lines, worded by ``variant`` (0, 1, 2)."""
    v = variant % 3
    name = _name(scenario)
    n = str(1024 + 37 * variant)
    if scenario.category == "harassment":
        return [t.format(n=n) for t in HARASS[v]]
    if scenario.channel == "appointment":
        opening = APPOINTMENT_OPENINGS[v].format(name=name)
        confirm, close = APPOINTMENT_CONFIRM[v], APPOINTMENT_CLOSE[v]
    elif scenario.channel == "counter":
        opening = COUNTER_OPENINGS[v].format(n=n)
        confirm, close = COUNTER_CONFIRM[v], COUNTER_CLOSE[v]
    else:
        opening = OPENINGS[v].format(n=n)
        confirm, close = CONFIRM[v], CLOSE[v]
    turns = [opening]
    listen = EMPATHY[v].format(name=name) + REPEAT[v].format(gist=_gist(scenario))
    listen = "".join(NEEDS[m][v] for m in scenario.needs if m in NEEDS) + listen
    asks = [ASK[(v + i) % 3].format(ask=f.ask[0]) for i, f in enumerate(scenario.facts)]
    if v == 1 and asks:
        # This trainee asks about everything in one turn.
        turns += [listen, "".join(asks)]
    else:
        turns += [listen, *asks] if asks else [listen]
    extras = "".join(EXTRA.get(m, "") for m in ("praise", "apology", "thank_feedback", "explain", "record", "concrete_time"))
    if len(scenario.remedies) >= 2:
        offer = PROPOSE_TWO[v].format(r1=scenario.remedies[0].say, r2=scenario.remedies[1].say)
    else:
        offer = PROPOSE_ONE[v].format(r1=scenario.remedies[0].say)
    turns.append(f"{name}，{extras}{offer}")
    turns += [confirm, close]
    return turns


def bad_trainee(scenario: Scenario, variant: int) -> list[str]:
    """A norm-breaking trainee's lines, worded by ``variant`` (0, 1, 2)."""
    return [t.format(r1=_remedy_say(scenario, variant)) for t in BAD[variant % 3]]
