"""Sentence polarity for customer emotion and agent negativity.

The model is two lexicons added together, both matched on normalised text
with Aho-Corasick (no word segmentation, so it is fast: tens of thousands of
sentences per second on one core):

* the naive-Bayes word counts that the ``snownlp`` package ships (MIT; counted
  on its own product-review corpus), turned into per-word log-odds;
* a small hand-written lexicon of strong service words (满意/失望/敷衍/投诉…),
  with negation (不/没/未 in the two characters before flips polarity), so the
  words that matter most in customer service are never outvoted by noise.

Nothing here is trained on ``shared/eval``. ``polarity`` returns the log-odds:
> 0 positive, < 0 negative; ``emotion`` squashes it to −1…1.
"""

from __future__ import annotations

import gzip
import importlib.util
import marshal
import math
import os
from functools import lru_cache
from operator import itemgetter

import ahocorasick

from kefu.lib.textnorm import normalize

_POSITIVE = """
满意 很好 不错 好评 推荐 喜欢 方便 干净 热情 周到 赞 棒 值得 实惠 舒适 感谢 谢谢 解决了 好吃 划算
贴心 给力 完美 惊喜 超值 耐心 专业 及时 准时 满分 物美价廉 性价比高 很快 挺好 还好 好用 漂亮 开心
放心 靠谱 五星 回购 再来 清楚 到位 快捷 迅速 好 辛苦了 明白了 可以了 好的 恢复了 搞定 没问题了
""".split()
_NEGATIVE = """
差 差评 失望 垃圾 太慢 慢 脏 难吃 后悔 退货 坑 骗 欺骗 糟糕 恶心 投诉 恶劣 不满 生气 气死 烦 无语
郁闷 上当 再也不 不会再 没用 坏了 不好 不行 不值 一般 太贵 凉了 冷了 难 吵 旧 发霉 漏 失败 问题 故障
敷衍 推诿 拒绝 不理 没人 等了 半天 什么破 差劲 太差 难用 卡顿 掉线 退款 假货 欠 扣费 乱扣 没反应
不能用 用不了 不靠谱 不负责 忽悠 坑人 骂 滚 去死 愤怒 火大 受够 离网 销户 工信部 曝光 到底 怎么回事
""".split()
_NEGATORS = ("不", "没", "无", "未", "别", "不太", "不是", "不够", "没有", "不怎么")
# Hand lexicon hits weigh as much as two strong corpus words: they are the
# service vocabulary this model exists for.
_LEXICON_WEIGHT = 2.0
# Log-odds are clipped so a single rare word cannot decide a sentence.
_CLIP = 3.0
_second = itemgetter(1)


def _snownlp_dir() -> str:
    # Locate the package without importing it: snownlp's __init__ loads all of
    # its models (segmenter, tagger…), which takes seconds we do not need.
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the snownlp package is required for the emotion model (pip install snownlp)")
    return next(iter(spec.submodule_search_locations))


def _snownlp_log_odds() -> tuple[float, dict[str, float]]:
    base = _snownlp_dir()
    with gzip.open(os.path.join(base, "sentiment", "sentiment.marshal.3"), "rb") as fh:
        data = marshal.loads(fh.read())
    with open(os.path.join(base, "normal", "stopwords.txt"), encoding="utf-8") as fh:
        stop = {line.strip() for line in fh}
    pos, neg = data["d"]["pos"], data["d"]["neg"]
    # Several raw words can normalise to one key (繁/简, full width): add their
    # counts up, in a fixed order, so the model is the same in every process.
    pos_counts: dict[str, float] = {}
    neg_counts: dict[str, float] = {}
    for word in sorted(set(pos["d"]) | set(neg["d"])):
        if word in stop or not word.strip():
            continue
        key = normalize(word)
        pos_counts[key] = pos_counts.get(key, 0.0) + pos["d"].get(word, 0)
        neg_counts[key] = neg_counts.get(key, 0.0) + neg["d"].get(word, 0)
    weights: dict[str, float] = {}
    for key in sorted(pos_counts):
        odds = math.log((pos_counts[key] or 1) / pos["total"]) - math.log((neg_counts[key] or 1) / neg["total"])
        weights[key] = max(-_CLIP, min(_CLIP, odds))
    prior = math.log(pos["total"]) - math.log(neg["total"])
    return prior, weights


class EmotionModel:
    """Polarity of short texts; build once (≈0.5 s), share everywhere."""

    def __init__(self) -> None:
        self.prior, weights = _snownlp_log_odds()
        corpus = ahocorasick.Automaton()
        for word, weight in weights.items():
            corpus.add_word(word, weight)
        corpus.make_automaton()
        self._corpus = corpus
        lexicon = ahocorasick.Automaton()
        for word in _POSITIVE:
            lexicon.add_word(word, (len(word), 1.0))
        for word in _NEGATIVE:
            lexicon.add_word(word, (len(word), -1.0))
        lexicon.make_automaton()
        self._lexicon = lexicon
        self._negative_words = frozenset(_NEGATIVE)

    def _lexicon_score(self, text: str) -> float:
        total = 0.0
        for end, (length, value) in self._lexicon.iter_long(text):
            start = end - length + 1
            before = text[max(0, start - 2) : start]
            # 不满/不好 are lexicon words themselves; only flip a *separate* negator.
            if before.endswith(_NEGATORS) and text[start - 1 : end + 1] not in self._negative_words:
                value = -value
            total += value
        return total

    def polarity_normalized(self, text: str) -> float:
        """Log-odds polarity of already-normalised text (> 0 positive)."""
        if not text:
            return 0.0
        # map/itemgetter keeps the per-match loop in C (the hot spot of scoring).
        corpus: float = sum(map(_second, self._corpus.iter_long(text)))
        return self.prior + corpus + _LEXICON_WEIGHT * self._lexicon_score(text)

    def polarities(self, joined: str, offsets: list[int]) -> list[float]:
        """Polarity of every turn of a conversation joined with a separator.

        Two Aho-Corasick passes over the whole conversation instead of two per
        turn: the separator is in no lexicon, so no match spans two turns.
        """
        n = len(offsets)
        if not n:
            return []
        scores = [self.prior] * n
        turn = 0
        for end, weight in self._corpus.iter_long(joined):
            while turn + 1 < n and offsets[turn + 1] <= end:
                turn += 1
            scores[turn] += weight
        turn = 0
        for end, (length, value) in self._lexicon.iter_long(joined):
            while turn + 1 < n and offsets[turn + 1] <= end:
                turn += 1
            start = end - length + 1
            before = joined[max(offsets[turn], start - 2) : start]
            if before.endswith(_NEGATORS) and joined[start - 1 : end + 1] not in self._negative_words:
                value = -value
            scores[turn] += _LEXICON_WEIGHT * value
        # An empty turn carries no sentiment, not the prior.
        for i in range(n):
            stop = offsets[i + 1] - 1 if i + 1 < n else len(joined)
            if stop == offsets[i]:
                scores[i] = 0.0
        return scores

    def polarity(self, text: str) -> float:
        return self.polarity_normalized(normalize(text))

    def emotion(self, text: str) -> float:
        """Polarity squashed to −1 (angry/unhappy) … 1 (pleased)."""
        return math.tanh(self.polarity(text) / 4.0)

    def is_positive(self, text: str) -> bool:
        return self.polarity(text) > 0


@lru_cache(maxsize=1)
def default_model() -> EmotionModel:
    return EmotionModel()
