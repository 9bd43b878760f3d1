package connector

// ConfigType is the type of a configuration key, as Kafka's ConfigDef names it.
type ConfigType string

// Configuration key types.
const (
	TypeBooleanConfig  ConfigType = "BOOLEAN"
	TypeStringConfig   ConfigType = "STRING"
	TypeIntConfig      ConfigType = "INT"
	TypeShortConfig    ConfigType = "SHORT"
	TypeLongConfig     ConfigType = "LONG"
	TypeDoubleConfig   ConfigType = "DOUBLE"
	TypeListConfig     ConfigType = "LIST"
	TypeClassConfig    ConfigType = "CLASS"
	TypePasswordConfig ConfigType = "PASSWORD"
)

// Importance of a configuration key.
type Importance string

// Importance levels.
const (
	High   Importance = "HIGH"
	Medium Importance = "MEDIUM"
	Low    Importance = "LOW"
)

// Width is the display width hint of a configuration key.
type Width string

// Width hints.
const (
	WidthNone   Width = "NONE"
	WidthShort  Width = "SHORT"
	WidthMedium Width = "MEDIUM"
	WidthLong   Width = "LONG"
)

// Validator checks one parsed value. It returns a message in Kafka's wording (e.g. "Value must be at least 1"),
// or "" when the value is fine. The value has the Go type of the field: bool, string, int64 (INT, SHORT,
// LONG), float64, []string (LIST), or nil when unset.
type Validator func(name string, value any) string

// Field describes one configuration key. Build fields with the constructors (String, Int, ...) and chain the
// setters; a field with no Default and not marked Optional is required.
type Field struct {
	Name        string
	Type        ConfigType
	Default     *string // nil = no default (required unless Optional)
	Optional    bool    // a field with no default that may be left unset (Kafka's default null)
	Importance  Importance
	Doc         string
	Group       string
	Order       int // position within Group; 0 = after the group's previous key, from 0 (Kafka's orderInGroup++)
	Width       Width
	DisplayName string
	Dependents  []string
	Validators  []Validator
	// Recommended lists recommended values for the validate answer.
	Recommended []string
	// NoEffect marks keys that are accepted for compatibility but change nothing; Doc says so.
	NoEffect bool
}

func newField(name string, t ConfigType) *Field {
	return &Field{Name: name, Type: t, Importance: Medium, Width: WidthNone, DisplayName: name}
}

// String declares a STRING key.
func String(name string) *Field { return newField(name, TypeStringConfig) }

// Int declares an INT key.
func Int(name string) *Field { return newField(name, TypeIntConfig) }

// Short declares a SHORT key.
func Short(name string) *Field { return newField(name, TypeShortConfig) }

// Long declares a LONG key.
func Long(name string) *Field { return newField(name, TypeLongConfig) }

// Double declares a DOUBLE key.
func Double(name string) *Field { return newField(name, TypeDoubleConfig) }

// Bool declares a BOOLEAN key.
func Bool(name string) *Field { return newField(name, TypeBooleanConfig) }

// List declares a LIST key (comma-separated).
func List(name string) *Field { return newField(name, TypeListConfig) }

// Class declares a CLASS key.
func Class(name string) *Field { return newField(name, TypeClassConfig) }

// Password declares a PASSWORD key: its value is shown as [hidden] and never logged.
func Password(name string) *Field { return newField(name, TypePasswordConfig) }

// WithDefault sets the default, written as Kafka's ConfigDef.convertToString would print it.
func (f *Field) WithDefault(v string) *Field { f.Default = &v; return f }

// Opt marks a key with no default that may be left unset.
func (f *Field) Opt() *Field { f.Optional = true; return f }

// Imp sets the importance.
func (f *Field) Imp(i Importance) *Field { f.Importance = i; return f }

// Documentation sets the documentation text.
func (f *Field) Documentation(doc string) *Field { f.Doc = doc; return f }

// InGroup sets the group and the order within it.
func (f *Field) InGroup(group string, order int) *Field { f.Group = group; f.Order = order; return f }

// Display sets the display name and width.
func (f *Field) Display(name string, w Width) *Field { f.DisplayName = name; f.Width = w; return f }

// Check adds validators.
func (f *Field) Check(v ...Validator) *Field { f.Validators = append(f.Validators, v...); return f }

// Recommend sets recommended values.
func (f *Field) Recommend(v ...string) *Field { f.Recommended = v; return f }

// Ineffective marks a key accepted for compatibility that changes nothing.
func (f *Field) Ineffective() *Field { f.NoEffect = true; return f }

// Required reports whether the key must be set.
func (f *Field) Required() bool { return f.Default == nil && !f.Optional }
