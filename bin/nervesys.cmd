@echo off
rem Starts a Nervesys agent (or any of its commands) with the JVM options of config\jvm.options.
rem   bin\nervesys.cmd [COMMAND] [ARGS...]    same commands as java -jar nervesys.jar (run is the default)
rem Environment: JAVA_HOME (else java on PATH), NERVESYS_JAVA_OPTS (more options, after the file's),
rem NERVESYS_JVM_OPTIONS (the options file), NERVESYS_JAR (the jar). No class-data archive on Windows
rem (see docs/operations.md, "Launcher"): use bin/nervesys where start time matters.
setlocal EnableExtensions DisableDelayedExpansion

set "BIN_DIR=%~dp0"
for %%I in ("%BIN_DIR%..") do set "NERVESYS_HOME=%%~fI"

if defined JAVA_HOME (
  set "JAVA=%JAVA_HOME%\bin\java.exe"
) else (
  set "JAVA=java"
)
if defined JAVA_HOME if not exist "%JAVA%" (
  echo nervesys: JAVA_HOME is %JAVA_HOME% but %JAVA% does not exist 1>&2
  exit /b 2
)

set "JAR=%NERVESYS_JAR%"
if not defined JAR if exist "%BIN_DIR%nervesys.jar" set "JAR=%BIN_DIR%nervesys.jar"
if not defined JAR if exist "%NERVESYS_HOME%\nervesys.jar" set "JAR=%NERVESYS_HOME%\nervesys.jar"
if not defined JAR if exist "%NERVESYS_HOME%\bootstrap\target\nervesys.jar" set "JAR=%NERVESYS_HOME%\bootstrap\target\nervesys.jar"
if not defined JAR (
  echo nervesys: no nervesys.jar beside %BIN_DIR% or in %NERVESYS_HOME%\bootstrap\target ^(set NERVESYS_JAR^) 1>&2
  exit /b 2
)

set "OPTIONS_FILE=%NERVESYS_JVM_OPTIONS%"
if not defined OPTIONS_FILE set "OPTIONS_FILE=%NERVESYS_HOME%\config\jvm.options"

rem one option per line; lines starting with # (and empty lines) are skipped
set "JVM_OPTS="
if exist "%OPTIONS_FILE%" (
  for /f "usebackq eol=# tokens=* delims=" %%L in ("%OPTIONS_FILE%") do call :add "%%L"
)

"%JAVA%" %JVM_OPTS% %NERVESYS_JAVA_OPTS% -jar "%JAR%" %*
exit /b %ERRORLEVEL%

:add
set "JVM_OPTS=%JVM_OPTS% %~1"
exit /b 0
