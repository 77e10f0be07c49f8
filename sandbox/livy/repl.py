"""The Livy stand-in's interpreter (sandbox/livy/emulator.ts): a real PySpark session that runs each statement's code
in one namespace, as Livy's pyspark interpreter does, and answers with what it printed or the error it raised.

Protocol on stdin/stdout: one JSON line {"code": ...} in; one line `IBAL_LIVY_REPL <json>` out (anything else on stdout
is Spark's own chatter and ignored).
"""
import contextlib
import io
import json
import sys
import traceback

from pyspark.sql import SparkSession

MARK = 'IBAL_LIVY_REPL '


def say(message):
    sys.stdout.write(MARK + json.dumps(message) + '\n')
    sys.stdout.flush()


def main():
    spark = (SparkSession.builder.master(sys.argv[1]).appName(sys.argv[2] if len(sys.argv) > 2 else 'livy')
             .config('spark.ui.enabled', 'false').config('spark.ui.showConsoleProgress', 'false')
             .config('spark.sql.shuffle.partitions', '2').getOrCreate())
    spark.sparkContext.setLogLevel('ERROR')
    namespace = {'spark': spark, 'sc': spark.sparkContext, '__name__': '__main__'}
    say({'ready': True, 'version': spark.version})
    count = 0
    for line in sys.stdin:
        code = json.loads(line)['code']
        count += 1
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(code, '<stdin>', 'exec'), namespace)  # noqa: S102 - this is the interpreter
            say({'status': 'ok', 'execution_count': count, 'data': {'text/plain': printed.getvalue()}})
        except Exception as error:  # noqa: BLE001 - Livy reports any error of the statement
            say({'status': 'error', 'execution_count': count, 'ename': type(error).__name__, 'evalue': str(error),
                 'traceback': traceback.format_exception(type(error), error, error.__traceback__)})
    spark.stop()


if __name__ == '__main__':
    main()
