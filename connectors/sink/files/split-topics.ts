import type { RawConfig } from '../../../plugins/api/index.js';

/**
 * Task configs for a sink: listed topics are dealt round-robin over at most `maxTasks` tasks, so
 * each topic has exactly one writer (two tasks writing one topic partition would each keep their
 * own open file and their names would collide). With `topics.regex` there is one task.
 */
export function splitTopics(topics: readonly string[] | undefined, raw: RawConfig, maxTasks: number): RawConfig[] {
  if (!topics?.length || maxTasks <= 1) return [raw];
  const groups: string[][] = Array.from({ length: Math.min(maxTasks, topics.length) }, () => []);
  topics.forEach((t, i) => groups[i % groups.length].push(t));
  return groups.map((g) => ({ ...raw, topics: g.join(',') }));
}
