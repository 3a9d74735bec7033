; Inno Setup script of the Windows installer: built by the release workflow (windows job) from the one-folder
; bundle in dist\segment-studio. Per-user install that needs no administrator, start-menu entry, optional
; desktop shortcut, "Open with" for CSV files, and an uninstaller.
;   iscc /DAppVersion=1.2.3 build_spec\installer.iss   ->  dist\segment-studio-1.2.3-windows-x64-setup.exe

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "Segment Studio"
#define AppExe "segment-studio.exe"

[Setup]
AppId={{6B1C2F4E-9A7D-4C3B-8E21-5D0A7F3C9B64}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Segment Studio developers
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename=segment-studio-{#AppVersion}-windows-x64-setup
SetupIconFile=..\resources\icons\segment-studio.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\dist\segment-studio\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; "Open with Segment Studio" for .csv files, without taking over the default program.
Root: HKA; Subkey: "Software\Classes\.csv\OpenWithProgids"; ValueType: string; ValueName: "SegmentStudio.csv"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\SegmentStudio.csv"; ValueType: string; ValueName: ""; ValueData: "CSV file (Segment Studio)"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\SegmentStudio.csv\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"
Root: HKA; Subkey: "Software\Classes\SegmentStudio.csv\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
