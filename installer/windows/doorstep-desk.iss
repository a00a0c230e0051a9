; Inno Setup script for the desk (家门口办事台) on Windows 10/11 (x64).
;
; Build on Windows (see installer/windows/README.md), from the repository root:
;   powershell -ExecutionPolicy Bypass -File installer\windows\build_windows.ps1
; which runs PyInstaller (dist\doorstep-desk\) and then
;   iscc /DAppVersion=<desk.__version__> installer\windows\doorstep-desk.iss
; The version comes from desk\__init__.py; this script refuses to build without it.
;
; What it installs:
;   {app}\DoorstepDesk.exe     the window (no console) — Start-menu and desktop shortcuts
;   {app}\doorstep-desk.exe    the command line (demo, cases, receipt, sync …)
;   {app}\_internal\           Python, Qt, the catalog, fonts and licences
; Per-user by default (no administrator rights needed on a worker's laptop); an admin can
; choose "for all users". Worker data is NOT under {app}: it lives in
; %LOCALAPPDATA%\doorstep-desk (or --data-dir / DOORSTEP_DATA_DIR), so upgrading or
; uninstalling never touches cases that are not yet synced.
; This file is UTF-8 with a byte-order mark (Chinese text below).

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=x.y.z (build_windows.ps1 does this)
#endif
#define AppName "家门口办事台"
#define AppNameEn "Doorstep Desk"
#define AppExe "DoorstepDesk.exe"
#define CliExe "doorstep-desk.exe"
#define Bundle "..\..\dist\doorstep-desk"

#if FileExists(CompilerPath + "Languages\ChineseSimplified.isl")
  #define ChineseIsl "compiler:Languages\ChineseSimplified.isl"
#elif FileExists(CompilerPath + "Languages\Unofficial\ChineseSimplified.isl")
  #define ChineseIsl "compiler:Languages\Unofficial\ChineseSimplified.isl"
#else
  #error ChineseSimplified.isl not found: put it in Inno Setup's Languages folder (README.md)
#endif

[Setup]
; AppId identifies the product for upgrades and the uninstaller: never change it.
AppId={{7C4B9E2A-5D1F-4B8E-9A63-2F0D8C1E6B47}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppNameEn}
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppNameEn}
DefaultDirName={autopf}\DoorstepDesk
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=doorstep-desk-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\doorstep-desk.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppNameEn}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; an upgrade closes a running desk first (the store commits every case durably)
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "chinesesimp"; MessagesFile: "{#ChineseIsl}"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
; the whole one-folder bundle; files of an older version that are gone now are removed
; by [InstallDelete] below, so an upgrade never mixes two Qt versions
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "{#AppNameEn}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; only the program folder; %LOCALAPPDATA%\doorstep-desk (worker data) stays
Type: filesandordirs; Name: "{app}\_internal"
