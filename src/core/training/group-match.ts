// EM over groups, as T5's mean_group_metric(all_match) scores MultiRC: the share of groups (the
// questions) whose every member (answer option) is right.

/** Share of groups all of whose examples are right; `groups[i]` is example i's group. */
export function groupExactMatch(right: readonly boolean[], groups: readonly string[]): number {
  if (right.length !== groups.length) throw new RangeError(`group EM needs a group per example (got ${groups.length} for ${right.length})`);
  const allRight = new Map<string, boolean>();
  groups.forEach((g, i) => allRight.set(g, (allRight.get(g) ?? true) && right[i]));
  if (allRight.size === 0) throw new RangeError('group EM needs at least one example');
  return [...allRight.values()].filter(Boolean).length / allRight.size;
}
