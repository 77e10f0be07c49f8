"""The reconcile job's Spark driver (job/spark/session.ts starts it with spark-submit).

It holds one SparkSession and runs what the Node job asks, one request at a time, over a socket on 127.0.0.1:
statements of the compare's SQL (job/compare/), files read into temporary views, and results written as Parquet
for the job to read back. The rules stay in the Node job (core/); this file only moves sets.

Protocol: the driver prints `IBAL_SPARK_READY <port> <Spark version>` on stdout, accepts one connection whose first line is the
token from IBAL_SPARK_TOKEN, then answers each JSON line {"op": ...} with one JSON line {"ok": true, ...} or
{"ok": false, "error": ..., "kind": "input" | "spark"}.
"""
import csv
import io
import json
import os
import socket
import sys
import traceback

from pyspark import StorageLevel
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

CORRUPT = '__ibal_corrupt'
REC = '__rec'
DELIMITERS = [',', ';', '|', '\t']


class InputProblem(Exception):
    """A file that cannot be read: the job reports it as bad input (exit 2)."""


def header_line(spark, path):
    first = spark.read.text(path).limit(1).collect()
    if not first:
        raise InputProblem('the file is empty')
    return first[0][0].lstrip('\ufeff')


def sniff_delimiter(header):
    counts = [(header.count(d), -i, d) for i, d in enumerate(DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] > 0 else ','


def field_count(line, delimiter):
    try:
        return len(next(csv.reader(io.StringIO(line), delimiter=delimiter, quotechar='"')))
    except (StopIteration, csv.Error):
        return 0


def read_csv(spark, path, columns, delimiter, multi_line):
    schema = T.StructType([T.StructField(c, T.StringType()) for c in columns] + [T.StructField(CORRUPT, T.StringType())])
    return (spark.read.schema(schema)
            .option('header', True).option('enforceSchema', True).option('sep', delimiter)
            .option('quote', '"').option('escape', '"').option('mode', 'PERMISSIVE')
            .option('columnNameOfCorruptRecord', CORRUPT).option('multiLine', multi_line)
            .option('ignoreLeadingWhiteSpace', False).option('ignoreTrailingWhiteSpace', False)
            .csv(path))


def numbered(df):
    """Each row with its position in the file, counted from 0. Spark reads a file's records in order, partition after
    partition; monotonically_increasing_id is the partition in its upper bits and the row within it in the lower 33,
    so the position is the rows of the partitions before plus the row within (all on the JVM, no Python per row)."""
    with_id = df.withColumn('__mid', F.monotonically_increasing_id())
    partition = F.shiftright(F.col('__mid'), 33)
    counts = with_id.groupBy(partition.alias('p')).count().orderBy('p').collect()
    offsets, total = [], 0
    for p, count in counts:
        offsets += [F.lit(p), F.lit(total)]
        total += count
    start = F.create_map(*offsets)[partition] if offsets else F.lit(0)
    return with_id.withColumn(REC, (start + F.col('__mid') - F.shiftleft(partition, 33)).cast('long')).drop('__mid')


# INVENTDIM's dimensions as the on-hand view names them (core/formats.ts, InventSumInventDim); a table without one of
# these fields (no owner dimension, say) gives it empty.
DIMENSIONS = ['configid', 'inventcolorid', 'inventsizeid', 'inventstyleid', 'inventversionid', 'inventsiteid', 'inventlocationid',
              'wmslocationid', 'inventbatchid', 'inventserialid', 'inventstatusid', 'inventownerid_ru']


def read_table(spark, path, kind):
    if kind == 'delta':
        return spark.read.format('delta').load(path)
    if kind == 'parquet':
        return spark.read.parquet(path)
    return spark.read.option('header', True).option('multiLine', True).option('escape', '"').csv(path)


def lower_names(df):
    return df.toDF(*[c.lower() for c in df.columns])


def live(df):
    """Rows Synapse Link marked deleted (IsDelete, in append-only tables) are not on hand."""
    if 'isdelete' in df.columns:
        df = df.filter(~F.coalesce(F.col('isdelete').cast('boolean'), F.lit(False)))
    return df


def inventsum(spark, request):
    """D365's physical inventory per dimension: INVENTSUM joined with INVENTDIM on company and inventdimid."""
    # Each INVENTSUM row keeps its place in the table as read: that is the line a reject names.
    inventory = live(numbered(lower_names(read_table(spark, request['path'], request['sumKind']))))
    dims = live(lower_names(read_table(spark, request['dimPath'], request['dimKind'])))
    for table, df, needed in (('INVENTSUM', inventory, ['dataareaid', 'itemid', 'inventdimid', 'physicalinvent']),
                              ('INVENTDIM', dims, ['dataareaid', 'inventdimid'])):
        missing = [c for c in needed if c not in df.columns]
        if missing:
            raise InputProblem(f'{table} has no column {", ".join(missing)}; it has {", ".join(df.columns[:30])}')
    if 'closed' in inventory.columns:
        # A closed INVENTSUM row holds nothing on hand any more.
        inventory = inventory.filter(F.coalesce(F.col('closed').cast('int'), F.lit(0)) == 0)
    joined = inventory.alias('s').join(dims.alias('d'), (F.lower(F.col('s.dataareaid')) == F.lower(F.col('d.dataareaid')))
                                       & (F.col('s.inventdimid') == F.col('d.inventdimid')), 'left')
    columns = ['dataareaid', 'itemid'] + DIMENSIONS + ['physicalinvent']
    picked = joined.select(
        F.col('s.dataareaid').cast('string').alias('dataareaid'), F.col('s.itemid').cast('string').alias('itemid'),
        *[(F.col(f'd.{c}') if c in dims.columns else F.lit(None)).cast('string').alias(c) for c in DIMENSIONS],
        F.col('s.physicalinvent').cast('string').alias('physicalinvent'),
        F.col('s.inventdimid').cast('string').alias('__inventdimid'), F.col('d.inventdimid').isNull().alias('__nodim'), F.col(f's.{REC}').alias(REC))
    numbered_all = picked.persist(StorageLevel.MEMORY_AND_DISK)
    malformed = [{'line': rec + 1, 'raw': f'{company},{item},{dim_id}',
                  'reason': f'INVENTSUM line of item {item} names inventdimid {dim_id}, which INVENTDIM does not have'}
                 for company, item, dim_id, rec in numbered_all.filter(F.col('__nodim'))
                 .select('dataareaid', 'itemid', '__inventdimid', REC).orderBy(REC).collect()]
    return numbered_all.filter(~F.col('__nodim')).select(*columns, REC), columns, malformed, numbered_all


def load(spark, request, cached):
    path, kind, name = request['path'], request['kind'], request['name']
    malformed = []
    delimiter = ','
    scratch = []  # what the table is computed from, let go once the table is kept
    try:
        if kind == 'inventsum':
            table, columns, malformed, joined = inventsum(spark, request)
            scratch.append(joined)
        elif kind in ('parquet', 'delta'):
            raw = read_table(spark, path, kind)
            columns = raw.columns
            table = numbered(raw.select([F.col(f'`{c}`').cast('string').alias(c) for c in columns]))
        else:
            header = header_line(spark, path)
            delimiter = sniff_delimiter(header)
            columns = next(csv.reader(io.StringIO(header), delimiter=delimiter, quotechar='"'))
            if len(set(c.lower() for c in columns)) != len(columns):
                raise InputProblem('the header names a column twice')
            # One record a line reads in parallel; a quoted line break needs the whole file read as one. The reading
            # with fewer malformed records is the file's.
            best = None
            for multi_line in (False, True):
                df = numbered(read_csv(spark, path, columns, delimiter, multi_line)).persist(StorageLevel.MEMORY_AND_DISK)
                bad = df.filter(F.col(CORRUPT).isNotNull()).select(REC, CORRUPT).orderBy(REC).collect()
                if best is None or len(bad) < len(best[1]):
                    if best is not None:
                        best[0].unpersist()
                    best = (df, bad)
                else:
                    df.unpersist()
                if not bad:
                    break
            df, bad = best
            scratch.append(df)
            expected = len(columns)
            for rec, text in bad:
                found = field_count(text, delimiter)
                kind_of = 'too many columns' if found > expected else 'missing columns'
                malformed.append({'line': rec + 2, 'raw': text.rstrip('\r\n'),
                                  'reason': f'malformed CSV line: {kind_of} (Expected Number of Columns: {expected} Found: {found})'})
            good = df.filter(F.col(CORRUPT).isNull()).drop(CORRUPT, REC)
            table = numbered(good)
    except InputProblem:
        raise
    except Exception as error:  # noqa: BLE001 - Spark's reader raises many kinds; the job names the file
        raise InputProblem(first_line(error)) from error
    parsed = keep(cached, name, table)
    for df in scratch:
        df.unpersist()
    return {'columns': columns, 'parsed': parsed, 'malformed': malformed, 'delimiter': delimiter}


def first_line(error):
    """What Spark said, without its stack trace: the message's lines up to the first one of the trace."""
    text = str(getattr(error, 'desc', None) or error)
    kept = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('at ') or line.startswith('JVM stacktrace') or line.startswith('Traceback'):
            break
        if line:
            kept.append(line)
    return ' '.join(kept)[:600] or type(error).__name__


def keep(cached, name, df):
    """A table: computed now and kept (as DuckDB's CREATE TABLE is), replacing what had the name; returns its rows."""
    df = df.persist(StorageLevel.MEMORY_AND_DISK)
    rows = df.count()
    previous = cached.pop(name, None)
    if previous is not None:
        previous.unpersist()
    cached[name] = df
    df.createOrReplaceTempView(name)
    return rows


def handle(spark, request, cached):
    op = request['op']
    spark.sparkContext.setJobDescription(request.get('phase') or op)
    if op == 'sql':
        spark.sql(request['statement'])
        return {}
    if op == 'table':
        df = spark.sql(request['query'])
        if request.get('cache'):
            keep(cached, request['name'], df)
        else:
            df.createOrReplaceTempView(request['name'])
        return {}
    if op == 'parquet':
        df = spark.read.parquet(request['path'])
        if request.get('union'):
            df = spark.table(request['name']).unionByName(df)
        keep(cached, request['name'], df)
        return {}
    if op == 'empty':
        schema = T.StructType([T.StructField(n, T.DoubleType() if t == 'DOUBLE' else T.LongType() if t == 'BIGINT'
                                             else T.BooleanType() if t == 'BOOLEAN' else T.StringType()) for n, t in request['columns']])
        spark.createDataFrame([], schema).createOrReplaceTempView(request['name'])
        return {}
    if op == 'query':
        # A sorted result is written a range of rows per file, in the files' name order, which is the order the job
        # reads them back in; nothing is gathered onto one task.
        spark.sql(request['query']).write.mode('overwrite').parquet(request['path'])
        return {}
    if op == 'load':
        return load(spark, request, cached)
    raise ValueError(f'unknown request {op}')


def serve(spark, request, cached):
    """One request's answer: what it gives, or the failure, named (an input problem is the job's exit 2)."""
    try:
        return {'ok': True, **handle(spark, request, cached)}
    except InputProblem as problem:
        return {'ok': False, 'kind': 'input', 'error': str(problem)}
    except Exception as error:  # noqa: BLE001 - every failure goes back to the job, named
        return {'ok': False, 'kind': 'spark', 'error': first_line(error),
                'detail': ''.join(traceback.format_exception_only(type(error), error))[-4000:]}


def main():
    """spark-submit: one job connects over 127.0.0.1 with the token it started the driver with."""
    token = os.environ.get('IBAL_SPARK_TOKEN', '')
    spark = SparkSession.builder.appName(os.environ.get('IBAL_SPARK_APP', 'ibal reconcile')).getOrCreate()
    spark.sparkContext.setLogLevel(os.environ.get('IBAL_SPARK_LOG_LEVEL', 'ERROR'))
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(('127.0.0.1', 0))
    server.listen(1)
    print(f'IBAL_SPARK_READY {server.getsockname()[1]} {spark.version}', flush=True)
    connection, _ = server.accept()
    server.close()
    reader = connection.makefile('r', encoding='utf-8')
    writer = connection.makefile('w', encoding='utf-8')
    if reader.readline().rstrip('\n') != token:
        connection.close()
        spark.stop()
        sys.exit(3)
    cached = {}
    for line in reader:
        request = json.loads(line)
        if request['op'] == 'stop':
            break
        writer.write(json.dumps(serve(spark, request, cached)) + '\n')
        writer.flush()
    connection.close()
    spark.stop()


# A Livy session (Synapse, Fabric, any Livy): the job sends this file as the session's first statement, with
# IBAL_LIVY set, and then each request as a statement `ibal_livy('<request as base64 JSON>')`, whose output is the
# answer's JSON line. The session's Spark is the one Livy started.
_livy_cached = {}


def ibal_livy(encoded):
    import base64
    request = json.loads(base64.b64decode(encoded).decode('utf-8'))
    print(json.dumps(serve(SparkSession.builder.getOrCreate(), request, _livy_cached)))


if __name__ == '__main__' and not globals().get('IBAL_LIVY'):
    main()
