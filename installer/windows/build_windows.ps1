# Build the desk's Windows installer: dist\doorstep-desk\ (PyInstaller) and
# dist\doorstep-desk-<version>-setup.exe (Inno Setup). Run from anywhere:
#
#   powershell -ExecutionPolicy Bypass -File installer\windows\build_windows.ps1
#
# Needs: Python 3.11 x64 with the project installed (pip install -e ".[test]"), and
# Inno Setup 6.3 or newer (iscc.exe on PATH or in its default folder). See README.md.
$ErrorActionPreference = "Stop"
$repo = Resolve-Path (Join-Path $PSScriptRoot "..\..")
Set-Location $repo

$init = Get-Content -Raw -Encoding UTF8 "desk\__init__.py"
if ($init -notmatch '(?m)^__version__\s*=\s*"([^"]+)"') { throw "no __version__ in desk\__init__.py" }
$version = $Matches[1]

python -m PyInstaller --noconfirm --clean --log-level WARN `
    --distpath dist --workpath build\pyinstaller installer\doorstep-desk.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

# Smoke test of the frozen build before packaging it: demo cases, a receipt, the window.
$data = Join-Path $env:TEMP ("doorstep-smoke-" + [guid]::NewGuid())
$cli = "dist\doorstep-desk\doorstep-desk.exe"
& $cli --data-dir $data demo --cases 3 | Out-Null
if ($LASTEXITCODE -ne 0) { throw "smoke: demo failed" }
$uuid = (& $cli --data-dir $data cases --json | Out-String | ConvertFrom-Json)[0].uuid
& $cli --data-dir $data receipt $uuid --out (Join-Path $data "smoke.pdf") | Out-Null
if ($LASTEXITCODE -ne 0) { throw "smoke: receipt failed" }
& $cli --data-dir $data setup --desk-code HY-QL01 --worker smoke | Out-Null
$env:DOORSTEP_SMOKE_EXIT_MS = "500"
& $cli --data-dir $data | Out-Null
Remove-Item Env:\DOORSTEP_SMOKE_EXIT_MS
if ($LASTEXITCODE -ne 0) { throw "smoke: window failed" }
Remove-Item -Recurse -Force $data

$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) {
    $iscc = @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
              "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe") | Where-Object { Test-Path $_ } | Select-Object -First 1
}
if (-not $iscc) { throw "Inno Setup 6 (ISCC.exe) not found" }
& $iscc "/DAppVersion=$version" "installer\windows\doorstep-desk.iss"
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Write-Host "dist\doorstep-desk-$version-setup.exe"
