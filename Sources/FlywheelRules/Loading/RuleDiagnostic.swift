import FlywheelYAML

/// A problem found in a rule file or rule test file.
public typealias RuleDiagnostic = YAMLDiagnostic

/// A place in a rule file.
public typealias RuleSourceLocation = YAMLLocation
