"""The watch's waits between rounds (essctl/watch/schedule.py)."""
import pytest

from essctl.watch.schedule import Schedule


def waits(schedule, rounds):
    return [schedule.next(changed=changed, quiet=quiet) for changed, quiet in rounds]


def test_short_after_a_change_and_at_most_one_and_a_half_first_while_something_can_end():
    schedule = Schedule(2.0, 15.0)
    assert waits(schedule, [(True, False)] + [(False, False)] * 5) == pytest.approx([1.0, 1.5, 2.25, 3.0, 3.0, 3.0])


def test_growing_to_the_longest_while_only_a_time_out_can_end_a_wait_and_short_again_after():
    schedule = Schedule(2.0, 15.0)
    quiet = waits(schedule, [(True, True)] + [(False, True)] * 7)
    assert quiet == pytest.approx([1.0, 1.5, 2.25, 3.375, 5.0625, 7.59375, 11.390625, 15.0])
    assert waits(schedule, [(False, False)]) == pytest.approx([3.0])     # something runs again: 3 s at most
    assert waits(schedule, [(True, False)]) == pytest.approx([1.0])


def test_the_first_wait_without_a_change_is_first_and_longest_is_never_below_first():
    assert Schedule(2.0, 15.0).next(changed=False, quiet=False) == 2.0
    schedule = Schedule(4.0, 1.0)
    assert waits(schedule, [(False, True)] * 3) == pytest.approx([4.0, 4.0, 4.0])
