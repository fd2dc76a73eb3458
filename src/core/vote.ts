// How an ensemble's members (N prompts on one input, §6) agree on one answer. With labels each
// member answers by rank classification, its highest-scoring label, and members vote on labels, as
// the paper's ensembles do; two prompts that both rank "yes" first agree even when their generated
// strings differ. Without labels they vote on the generated strings. Plain functions of the answers,
// in the engine's bottom layer without TensorFlow.js: the engine (try, eval) and the extension host
// (the playground joins its answers) share them.

/** One member's answer: what it generated and, with labels, each label's summed log-probability. */
export interface MemberAnswer {
  text: string;
  labelScores?: Record<string, number>;
}

export interface EnsembleVote {
  /** The winning label, or generated string. */
  text: string;
  /** Members per answer, for the answers some member gave. */
  votes: Record<string, number>;
  by: 'label' | 'text';
}

/** A member's label: the one it scores highest (the first of equal scores, in the labels' order). */
export function topLabel(scores: Record<string, number>): string {
  let best: [string, number] | undefined;
  for (const entry of Object.entries(scores)) if (!best || entry[1] > best[1]) best = entry;
  if (!best) throw new Error('topLabel needs at least one label score.');
  return best[0];
}

/**
 * The label vote. Each member votes for its top label; the label with most votes wins. A tie goes
 * to the tied label with the larger log-probability summed over all members (the product of the
 * members' probabilities, so a member's view of a label counts even where it preferred another),
 * and then to the label that comes first.
 */
export function labelVote(members: readonly Record<string, number>[]): EnsembleVote {
  if (members.length === 0) throw new Error('labelVote needs at least one member.');
  const labels = Object.keys(members[0]);
  const votes: Record<string, number> = {};
  for (const scores of members) {
    const label = topLabel(scores);
    votes[label] = (votes[label] ?? 0) + 1;
  }
  const summed = (label: string) => members.reduce((sum, scores) => sum + (scores[label] ?? -Infinity), 0);
  const most = Math.max(...Object.values(votes));
  const tied = labels.filter((l) => votes[l] === most);
  const text = tied.reduce((best, l) => (summed(l) > summed(best) ? l : best));
  return { text, votes, by: 'label' };
}

/** The vote on generated strings: the most frequent (trimmed), ties to the first given. */
export function textVote(texts: readonly string[]): EnsembleVote {
  const votes: Record<string, number> = {};
  for (const t of texts) votes[t.trim()] = (votes[t.trim()] ?? 0) + 1;
  return { text: majorityVote(texts.map((t) => t.trim())), votes, by: 'text' };
}

/** By label when every member scored the same labels, else by generated string. */
export function ensembleVote(members: readonly MemberAnswer[]): EnsembleVote {
  const keys = (m: MemberAnswer) => JSON.stringify(Object.keys(m.labelScores ?? {}));
  const scored = members.length > 0 && members.every((m) => m.labelScores && Object.keys(m.labelScores).length > 0 && keys(m) === keys(members[0]));
  return scored ? labelVote(members.map((m) => m.labelScores!)) : textVote(members.map((m) => m.text));
}

/**
 * The most frequent of an example's N outputs. Ties: the larger summed score when `scores` (one per
 * output, e.g. log-probabilities) is given, else the tied output that appears first.
 */
export function majorityVote(outputs: readonly string[], scores?: readonly number[]): string {
  if (outputs.length === 0) throw new Error('majorityVote needs at least one output.');
  if (scores && scores.length !== outputs.length) throw new Error(`majorityVote: ${scores.length} scores for ${outputs.length} outputs.`);
  const tally = new Map<string, { votes: number; score: number }>(); // insertion order = first appearance
  outputs.forEach((out, i) => {
    const t = tally.get(out) ?? { votes: 0, score: 0 };
    t.votes += 1;
    t.score += scores ? scores[i] : 0;
    tally.set(out, t);
  });
  let best: [string, { votes: number; score: number }] | undefined;
  for (const entry of tally) {
    if (!best || entry[1].votes > best[1].votes || (entry[1].votes === best[1].votes && entry[1].score > best[1].score)) best = entry;
  }
  return best![0];
}
