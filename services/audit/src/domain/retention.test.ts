import { describe, expect, it } from 'vitest';
import { lagging, RetentionPlan } from './retention.js';

describe('RetentionPlan', () => {
  it('removes nothing audit has not recorded, and recorded events only after the retention', () => {
    const plan = new RetentionPlan(60_000);
    plan.observe(0, 10);
    expect(plan.purgeBelow(59_999)).toBeUndefined();
    plan.observe(30_000, 25);
    expect(plan.purgeBelow(60_000)).toBe(11);
    plan.purged(11);
    expect(plan.purgeBelow(60_001)).toBeUndefined();
    expect(plan.purgeBelow(90_000)).toBe(26);
  });

  it('with no retention removes up to the ack floor at once, never beyond it', () => {
    const plan = new RetentionPlan(0);
    plan.observe(5, 100);
    expect(plan.purgeBelow(5)).toBe(101);
    plan.purged(101);
    plan.observe(6, 100); // the floor never moves back; a repeat changes nothing
    expect(plan.purgeBelow(6)).toBeUndefined();
    plan.observe(7, 150);
    expect(plan.purgeBelow(7)).toBe(151);
  });

  it('forgets what it saw when the stream or consumer is made again, or the floor goes back', () => {
    const plan = new RetentionPlan(0);
    plan.observe(1, 500, 'stream-1');
    expect(plan.purgeBelow(1)).toBe(501);
    plan.purged(501);
    // Recreated: sequences start over; the old floor must not purge the new stream's events.
    plan.observe(2, 3, 'stream-2');
    expect(plan.purgeBelow(2)).toBe(4);
    plan.purged(4);
    plan.observe(3, 2, 'stream-2'); // a floor going back: start over, and never beyond it
    expect(plan.purgeBelow(3)).toBe(3);
  });

  it('does nothing before audit has recorded anything', () => {
    const plan = new RetentionPlan(0);
    plan.observe(1, 0);
    expect(plan.purgeBelow(1)).toBeUndefined();
    expect(new RetentionPlan(0).purgeBelow(1)).toBeUndefined();
  });
});

describe('lagging', () => {
  it('is red only when events wait longer than the threshold', () => {
    expect(lagging({ events: 0, seconds: 0 }, 30)).toBe(false);
    expect(lagging({ events: 5, seconds: 30 }, 30)).toBe(false);
    expect(lagging({ events: 5, seconds: 31 }, 30)).toBe(true);
  });
});
