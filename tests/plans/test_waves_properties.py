"""Wave membership: deterministic, stable, complete (hypothesis properties)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.model import Gate, Rollout, Wave, WaveSize
from reconciler.plans.waves import assign, target

IMEIS = st.text(alphabet="0123456789", min_size=15, max_size=15)
DEVICES = st.frozensets(IMEIS, min_size=0, max_size=120)
GATE = Gate()


def _wave(i: int, size: tuple[str, float]) -> Wave:
    return Wave(f"w{i}", WaveSize(size[0]), size[1], GATE)


SIZES = st.one_of(
    st.tuples(st.just("count"), st.integers(min_value=1, max_value=40).map(float)),
    st.tuples(
        st.just("percent"), st.floats(min_value=0.1, max_value=60).map(lambda f: round(f, 1))
    ),
)


@st.composite
def rollouts(draw: st.DrawFn) -> Rollout:
    sizes = draw(st.lists(SIZES, min_size=0, max_size=4))
    waves = [_wave(i, s) for i, s in enumerate(sizes)]
    waves.append(Wave("rest", WaveSize.REST, 0.0, GATE))
    return Rollout(tuple(waves))


@given(rollouts(), DEVICES)
def test_waves_partition_the_device_set(rollout: Rollout, devices: frozenset[str]) -> None:
    split = assign("fleet", rollout, devices)
    assert set(split) == {w.name for w in rollout.waves}
    union: set[str] = set()
    for members in split.values():
        assert not union & members  # each device in exactly one wave
        union |= members
    assert union == devices


@given(rollouts(), DEVICES, st.randoms(use_true_random=False))
def test_order_of_the_device_list_does_not_matter(
    rollout: Rollout, devices: frozenset[str], rnd: object
) -> None:
    listed = sorted(devices)
    rnd.shuffle(listed)  # type: ignore[attr-defined]
    assert assign("fleet", rollout, frozenset(listed)) == assign("fleet", rollout, devices)


@given(rollouts(), DEVICES, DEVICES, st.integers(min_value=0, max_value=4))
@settings(max_examples=200)
def test_adding_devices_never_moves_a_device_of_a_started_wave(
    rollout: Rollout, devices: frozenset[str], added: frozenset[str], started_count: int
) -> None:
    before = assign("fleet", rollout, devices)
    started_names = [w.name for w in rollout.waves[:started_count]]
    started = {name: before[name] for name in started_names}
    after = assign("fleet", rollout, devices | added, started)
    for name in started_names:
        assert before[name] <= after[name]
    moved = {d for name in started_names for d in before[name]}
    for name, members in after.items():
        if name not in started_names:
            assert not members & moved


@given(rollouts(), st.integers(min_value=0, max_value=300))
def test_percentages_round_half_up_and_never_to_zero(rollout: Rollout, total: int) -> None:
    for wave in rollout.waves:
        wanted = target(wave, total)
        if wave.size is WaveSize.PERCENT:
            exact = wave.amount * total / 100
            assert wanted is not None
            assert abs(wanted - exact) <= 0.5 or (wanted == 1 and exact < 0.5)
            if total > 0:
                assert wanted >= 1


@given(
    st.lists(st.floats(min_value=0.1, max_value=25).map(lambda f: round(f, 1)), max_size=4),
    st.integers(min_value=0, max_value=200),
)
def test_every_percent_wave_gets_a_device_when_there_are_enough(
    percents: list[float], extra: int
) -> None:
    waves = [Wave(f"w{i}", WaveSize.PERCENT, p, GATE) for i, p in enumerate(percents)]
    rollout = Rollout((*waves, Wave("rest", WaveSize.REST, 0.0, GATE)))
    count = len(waves) * 2 + extra  # sum <= 100%, so rounding up leaves enough for each wave
    devices = frozenset(f"{i:015d}" for i in range(count))
    split = assign("fleet", rollout, devices)
    for wave in waves:
        assert len(split[wave.name]) >= 1


def test_membership_is_a_stable_hash_of_name_and_imei() -> None:
    rollout = Rollout(
        (Wave("canary", WaveSize.COUNT, 2, GATE), Wave("rest", WaveSize.REST, 0.0, GATE))
    )
    devices = frozenset(f"35{i:013d}" for i in range(10))
    # Golden: a release that changed the hash would move devices between waves.
    assert sorted(assign("fleet", rollout, devices)["canary"]) == [
        "350000000000001",
        "350000000000007",
    ]
    assert (
        assign("other", rollout, devices)["canary"] != assign("fleet", rollout, devices)["canary"]
    )
