import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkerMetrics } from './worker-metrics.js';

describe('WorkerMetrics', () => {
  it('gives tasks custom gauges, counters and histograms labelled with connector and task', async () => {
    const metrics = new WorkerMetrics({ defaultMetrics: false });
    const task = metrics.forTask('pg', 0);
    task.setGauge('snapshot_rows_remaining', 'Rows left to snapshot.', 42, { table: 'orders' });
    task.incCounter('tributary_replication_messages_total', 'Replication messages.', 3);
    task.incCounter('replication_messages_total', 'Replication messages.');
    task.observe('flush_seconds', 'Flush time.', 0.2);
    metrics.forTask('pg', 1).setGauge('snapshot_rows_remaining', 'Rows left to snapshot.', 7, { table: 'users' });
    const text = await metrics.registry.metrics();
    assert.match(text, /# HELP tributary_snapshot_rows_remaining Rows left to snapshot\./);
    assert.match(text, /# TYPE tributary_snapshot_rows_remaining gauge/);
    assert.match(text, /tributary_snapshot_rows_remaining\{connector="pg",task="0",table="orders"\} 42/);
    assert.match(text, /tributary_snapshot_rows_remaining\{connector="pg",task="1",table="users"\} 7/);
    assert.match(text, /# TYPE tributary_replication_messages_total counter/);
    assert.match(text, /tributary_replication_messages_total\{connector="pg",task="0"\} 4/, 'the tributary_ prefix is not doubled');
    assert.match(text, /# TYPE tributary_flush_seconds histogram/);
    assert.match(text, /tributary_flush_seconds_count\{connector="pg",task="0"\} 1/);
    assert.match(text, /tributary_flush_seconds_sum\{connector="pg",task="0"\} 0\.2/);
  });

  it('exposes the runtime metrics and task states', async () => {
    const metrics = new WorkerMetrics({ defaultMetrics: false });
    metrics.sourceRecordPoll.inc({ connector: 'gen', task: '0' }, 5);
    metrics.setTaskState('gen', 0, 'RUNNING');
    const text = await metrics.registry.metrics();
    assert.match(text, /tributary_source_record_poll_total\{connector="gen",task="0"\} 5/);
    assert.match(text, /tributary_task_status\{connector="gen",task="0",state="RUNNING"\} 1/);
    assert.match(text, /tributary_task_status\{connector="gen",task="0",state="FAILED"\} 0/);
    metrics.removeTask('gen', 0);
    const after = await metrics.registry.metrics();
    assert.doesNotMatch(after, /connector="gen"/);
  });

  it('removeTask drops every series of the task, histograms and custom metrics included', async () => {
    const metrics = new WorkerMetrics({ defaultMetrics: false });
    metrics.sinkRecordRead.inc({ connector: 'lake', task: '0' });
    metrics.batchSize.observe({ connector: 'lake', task: '0', kind: 'sink' }, 100);
    metrics.endToEndLatency.observe({ connector: 'lake', task: '0' }, 0.5);
    metrics.forTask('lake', 0).incCounter('files_written_total', 'Files.');
    metrics.forTask('lake', 1).incCounter('files_written_total', 'Files.');
    await metrics.removeTask('lake', 0);
    const text = await metrics.registry.metrics();
    assert.deepEqual(text.split('\n').filter((l) => l.includes('task="0"')), []);
    assert.match(text, /tributary_files_written_total\{connector="lake",task="1"\} 1/, 'other tasks keep theirs');
  });

  it('keeps workers apart: one registry each', async () => {
    const a = new WorkerMetrics({ defaultMetrics: false });
    const b = new WorkerMetrics({ defaultMetrics: false });
    a.forTask('x', 0).incCounter('things_total', 'Things.');
    b.forTask('x', 0).incCounter('things_total', 'Things.', 2);
    assert.match(await a.registry.metrics(), /tributary_things_total\{connector="x",task="0"\} 1/);
    assert.match(await b.registry.metrics(), /tributary_things_total\{connector="x",task="0"\} 2/);
  });

  it('collects process metrics with the tributary_process_ prefix by default', async () => {
    const metrics = new WorkerMetrics();
    assert.match(await metrics.registry.metrics(), /^tributary_process_/m);
  });
});
