/**
 * In embedded mode the bus keeps no log: records a sink has received but not yet made durable
 * exist only in that sink's open work, and the source can replay them only from its committed
 * offset. So when any task of a pipeline restarts, every source and sink sharing topics with it
 * restarts too — exactly what a crash does, which the offsets and durable sink positions already
 * make safe. This computes that set: the connectors transitively linked through topics.
 */
export interface ComponentView {
  /** connectors that are sources, with the topics they have published to so far */
  sourceTopics(name: string): ReadonlySet<string> | undefined;
  /** every source label that has published (connector names, or `source>sink` for dead letters) */
  sourceLabels(): string[];
  /** sink connector names with their topic matchers */
  sinks(): { name: string; matches(topic: string): boolean }[];
  isSource(name: string): boolean;
}

export function componentOf(view: ComponentView, start: readonly string[]): Set<string> {
  const found = new Set<string>(start);
  const queue = [...start];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (view.isSource(name)) {
      const topics = topicsOfConnector(view, name);
      for (const sink of view.sinks()) if (!found.has(sink.name) && [...topics].some((t) => sink.matches(t))) add(sink.name);
    } else {
      const sink = view.sinks().find((s) => s.name === name);
      if (!sink) continue;
      for (const label of view.sourceLabels()) {
        const owners = label.split('>');
        if ([...(view.sourceTopics(label) ?? [])].some((t) => sink.matches(t))) for (const o of owners) if (!found.has(o)) add(o);
      }
    }
  }
  return found;

  function add(name: string): void {
    found.add(name);
    queue.push(name);
  }
}

function topicsOfConnector(view: ComponentView, name: string): Set<string> {
  const topics = new Set<string>();
  for (const label of view.sourceLabels()) {
    if (label === name || label.startsWith(`${name}>`)) for (const t of view.sourceTopics(label) ?? []) topics.add(t);
  }
  return topics;
}
