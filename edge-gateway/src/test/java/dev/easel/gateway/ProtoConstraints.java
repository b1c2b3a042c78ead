package dev.easel.gateway;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.pgv.validate.Validate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The constraints that Envoy checks when it loads a config, as declared in its API protos with
 * protoc-gen-validate ({@code validate.rules}, {@code validate.required}), and the deprecated
 * fields and enum values Envoy warns about or refuses. Covered: required messages and oneofs;
 * string and bytes lengths, prefix, suffix, contains, in, not_in, pattern and well-known header
 * names; numbers (and their wrappers) const, gt, gte, lt, lte, in, not_in; enum defined_only, in,
 * not_in; repeated and map sizes, unique items and per-item rules; durations; {@code Any} (unpacked
 * with {@link EnvoyYaml#REGISTRY}, so typed_config contents are checked too) required and in. Other
 * rules (timestamps, bool const, string well-known formats other than header names) are not
 * checked.
 */
final class ProtoConstraints {
  private static final Pattern HEADER_NAME = Pattern.compile("^:?[0-9a-zA-Z!#$%&'*+-.^_|~`]+$");
  private static final Pattern HEADER_VALUE = Pattern.compile("^[^\u0000\n\r]*$");

  private final JsonFormat.TypeRegistry registry;
  private final List<String> violations = new ArrayList<>();

  private ProtoConstraints(JsonFormat.TypeRegistry registry) {
    this.registry = registry;
  }

  /** Every violation in {@code message}, each with its field path; empty when it is valid. */
  static List<String> violations(Message message, JsonFormat.TypeRegistry registry) {
    ProtoConstraints check = new ProtoConstraints(registry);
    check.message(message.getDescriptorForType().getFullName(), message);
    return check.violations;
  }

  private void message(String path, Message message) {
    Descriptor type = message.getDescriptorForType();
    if (type.getOptions().getExtension(Validate.disabled)
        || type.getOptions().getExtension(Validate.ignored)) {
      return;
    }
    if (type.getFullName().equals(Any.getDescriptor().getFullName())) {
      any(path, message);
      return;
    }
    for (OneofDescriptor oneof : type.getRealOneofs()) {
      if (oneof.getOptions().getExtension(Validate.required) && !message.hasOneof(oneof)) {
        violations.add(path + ": one of " + oneof.getName() + " is required");
      }
    }
    for (FieldDescriptor field : type.getFields()) {
      String at = path + "." + field.getName();
      OneofDescriptor oneof = field.getRealContainingOneof();
      if (oneof != null && message.getOneofFieldDescriptor(oneof) != field) {
        continue; // a member of a oneof is checked only when it is the one set
      }
      boolean present =
          field.isRepeated() ? message.getRepeatedFieldCount(field) > 0 : hasValue(message, field);
      if (present && field.getOptions().getDeprecated()) {
        violations.add(at + ": deprecated");
      }
      Validate.FieldRules rules = field.getOptions().getExtension(Validate.rules);
      if (field.isMapField()) {
        map(at, field, message, rules);
      } else if (field.isRepeated()) {
        repeated(at, field, message, rules);
      } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        boolean required =
            rules.getMessage().getRequired()
                || (rules.hasDuration() && rules.getDuration().getRequired())
                || (rules.hasAny() && rules.getAny().getRequired())
                || (rules.hasTimestamp() && rules.getTimestamp().getRequired());
        if (required && !message.hasField(field)) {
          violations.add(at + ": required");
        }
        if (message.hasField(field) && !rules.getMessage().getSkip()) {
          value(at, field, message.getField(field), rules);
        }
      } else {
        if (!present && ignoresEmpty(rules)) continue;
        value(at, field, message.getField(field), rules);
      }
    }
  }

  private static boolean hasValue(Message message, FieldDescriptor field) {
    if (field.hasPresence()) return message.hasField(field);
    Object value = message.getField(field);
    return !value.equals(field.getDefaultValue());
  }

  private void any(String path, Message any) {
    String url = (String) any.getField(any.getDescriptorForType().findFieldByName("type_url"));
    ByteString bytes =
        (ByteString) any.getField(any.getDescriptorForType().findFieldByName("value"));
    if (url.isEmpty()) return;
    Descriptor type = typeOf(url, registry);
    if (type == null) {
      violations.add(path + ": no type known for " + url);
      return;
    }
    try {
      message(path + "<" + type.getName() + ">", DynamicMessage.parseFrom(type, bytes));
    } catch (InvalidProtocolBufferException e) {
      violations.add(
          path + ": cannot read the " + type.getFullName() + " inside: " + e.getMessage());
    }
  }

  private void map(String at, FieldDescriptor field, Message message, Validate.FieldRules rules) {
    int count = message.getRepeatedFieldCount(field);
    Validate.MapRules map = rules.getMap();
    if (count == 0 && map.getIgnoreEmpty()) return;
    if (map.hasMinPairs() && count < map.getMinPairs()) {
      violations.add(at + ": at least " + map.getMinPairs() + " entries");
    }
    if (map.hasMaxPairs() && count > map.getMaxPairs()) {
      violations.add(at + ": at most " + map.getMaxPairs() + " entries");
    }
    FieldDescriptor keyField = field.getMessageType().findFieldByName("key");
    FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
    for (int i = 0; i < count; i++) {
      Message entry = (Message) message.getRepeatedField(field, i);
      Object key = entry.getField(keyField);
      if (map.hasKeys()) value(at + "[" + key + "] key", keyField, key, map.getKeys());
      Object v = entry.getField(valueField);
      value(
          at + "[" + key + "]",
          valueField,
          v,
          map.hasValues() ? map.getValues() : Validate.FieldRules.getDefaultInstance());
    }
  }

  private void repeated(
      String at, FieldDescriptor field, Message message, Validate.FieldRules rules) {
    int count = message.getRepeatedFieldCount(field);
    Validate.RepeatedRules repeated = rules.getRepeated();
    if (count == 0 && repeated.getIgnoreEmpty()) return;
    if (repeated.hasMinItems() && count < repeated.getMinItems()) {
      violations.add(at + ": at least " + repeated.getMinItems() + " items");
    }
    if (repeated.hasMaxItems() && count > repeated.getMaxItems()) {
      violations.add(at + ": at most " + repeated.getMaxItems() + " items");
    }
    if (repeated.getUnique() && new HashSet<>((List<?>) message.getField(field)).size() != count) {
      violations.add(at + ": items must be unique");
    }
    for (int i = 0; i < count; i++) {
      value(
          at + "[" + i + "]",
          field,
          message.getRepeatedField(field, i),
          repeated.hasItems() ? repeated.getItems() : Validate.FieldRules.getDefaultInstance());
    }
  }

  /** One value (a singular field, a repeated item or a map value) under {@code rules}. */
  private void value(String at, FieldDescriptor field, Object value, Validate.FieldRules rules) {
    switch (rules.getTypeCase()) {
      case STRING -> string(at, unwrap(value).toString(), rules.getString());
      case BYTES -> bytes(at, (ByteString) unwrap(value), rules.getBytes());
      case ENUM -> enumValue(at, (EnumValueDescriptor) value, rules.getEnum());
      case DURATION -> duration(at, (Message) value, rules.getDuration());
      case ANY -> anyRules(at, (Message) value, rules.getAny());
      case FLOAT,
          DOUBLE,
          INT32,
          INT64,
          UINT32,
          UINT64,
          SINT32,
          SINT64,
          FIXED32,
          FIXED64,
          SFIXED32,
          SFIXED64 ->
          number(
              at,
              unwrap(value),
              (Message)
                  rules.getField(
                      rules
                          .getDescriptorForType()
                          .findFieldByNumber(rules.getTypeCase().getNumber())));
      default -> {}
    }
    if (value instanceof EnumValueDescriptor e && e.getOptions().getDeprecated()) {
      violations.add(at + ": the enum value " + e.getName() + " is deprecated");
    }
    if (value instanceof Message m && field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      message(at, m);
    }
  }

  private static boolean ignoresEmpty(Validate.FieldRules rules) {
    return switch (rules.getTypeCase()) {
      case STRING -> rules.getString().getIgnoreEmpty();
      case BYTES -> rules.getBytes().getIgnoreEmpty();
      case UINT32 -> rules.getUint32().getIgnoreEmpty();
      case UINT64 -> rules.getUint64().getIgnoreEmpty();
      case INT32 -> rules.getInt32().getIgnoreEmpty();
      case INT64 -> rules.getInt64().getIgnoreEmpty();
      case DOUBLE -> rules.getDouble().getIgnoreEmpty();
      case FLOAT -> rules.getFloat().getIgnoreEmpty();
      default -> false;
    };
  }

  /** The value inside a wrapper message (UInt32Value, StringValue, ...), or the value itself. */
  private static Object unwrap(Object value) {
    if (value instanceof Message m
        && m.getDescriptorForType().getFile().getName().equals("google/protobuf/wrappers.proto")) {
      return m.getField(m.getDescriptorForType().findFieldByName("value"));
    }
    return value;
  }

  private void string(String at, String value, Validate.StringRules rules) {
    int length = value.codePointCount(0, value.length());
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (rules.hasMinLen() && length < rules.getMinLen())
      violations.add(at + ": at least " + rules.getMinLen() + " characters");
    if (rules.hasMaxLen() && length > rules.getMaxLen())
      violations.add(at + ": at most " + rules.getMaxLen() + " characters");
    if (rules.hasMinBytes() && bytes < rules.getMinBytes())
      violations.add(at + ": at least " + rules.getMinBytes() + " bytes");
    if (rules.hasMaxBytes() && bytes > rules.getMaxBytes())
      violations.add(at + ": at most " + rules.getMaxBytes() + " bytes");
    if (rules.hasLen() && length != rules.getLen())
      violations.add(at + ": exactly " + rules.getLen() + " characters");
    if (rules.hasConst() && !value.equals(rules.getConst()))
      violations.add(at + ": must be " + rules.getConst());
    if (rules.hasPrefix() && !value.startsWith(rules.getPrefix()))
      violations.add(at + ": must start with " + rules.getPrefix());
    if (rules.hasSuffix() && !value.endsWith(rules.getSuffix()))
      violations.add(at + ": must end with " + rules.getSuffix());
    if (rules.hasContains() && !value.contains(rules.getContains()))
      violations.add(at + ": must contain " + rules.getContains());
    if (rules.hasNotContains() && value.contains(rules.getNotContains()))
      violations.add(at + ": must not contain " + rules.getNotContains());
    if (rules.getInCount() > 0 && !rules.getInList().contains(value))
      violations.add(at + ": must be one of " + rules.getInList());
    if (rules.getNotInList().contains(value)) violations.add(at + ": must not be " + value);
    if (rules.hasPattern() && !Pattern.compile(rules.getPattern()).matcher(value).find()) {
      violations.add(at + ": must match " + rules.getPattern());
    }
    if (rules.hasWellKnownRegex() && rules.getStrict()) {
      Pattern pattern =
          switch (rules.getWellKnownRegex()) {
            case HTTP_HEADER_NAME -> HEADER_NAME;
            case HTTP_HEADER_VALUE -> HEADER_VALUE;
            default -> null;
          };
      if (pattern != null && !pattern.matcher(value).matches()) {
        violations.add(at + ": not a valid " + rules.getWellKnownRegex());
      }
    }
  }

  private void bytes(String at, ByteString value, Validate.BytesRules rules) {
    if (rules.hasMinLen() && value.size() < rules.getMinLen())
      violations.add(at + ": at least " + rules.getMinLen() + " bytes");
    if (rules.hasMaxLen() && value.size() > rules.getMaxLen())
      violations.add(at + ": at most " + rules.getMaxLen() + " bytes");
  }

  private void enumValue(String at, EnumValueDescriptor value, Validate.EnumRules rules) {
    if (rules.getDefinedOnly() && value.getIndex() < 0)
      violations.add(at + ": not a defined value");
    if (rules.hasConst() && value.getNumber() != rules.getConst())
      violations.add(at + ": must be " + rules.getConst());
    if (rules.getInCount() > 0 && !rules.getInList().contains(value.getNumber()))
      violations.add(at + ": must be one of " + rules.getInList());
    if (rules.getNotInList().contains(value.getNumber()))
      violations.add(at + ": must not be " + value.getName());
  }

  private void anyRules(String at, Message value, Validate.AnyRules rules) {
    String url = (String) value.getField(value.getDescriptorForType().findFieldByName("type_url"));
    if (rules.getInCount() > 0 && !rules.getInList().contains(url))
      violations.add(at + ": must be one of " + rules.getInList());
    if (rules.getNotInList().contains(url)) violations.add(at + ": must not be " + url);
  }

  private void duration(String at, Message value, Validate.DurationRules rules) {
    Duration d;
    try {
      d = Duration.parseFrom(value.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
    long nanos = Durations.toNanos(d);
    Double gt = rules.hasGt() ? (double) Durations.toNanos(rules.getGt()) : null;
    Double gte = rules.hasGte() ? (double) Durations.toNanos(rules.getGte()) : null;
    Double lt = rules.hasLt() ? (double) Durations.toNanos(rules.getLt()) : null;
    Double lte = rules.hasLte() ? (double) Durations.toNanos(rules.getLte()) : null;
    range(at, nanos, gt, gte, lt, lte, Durations.toString(d));
  }

  private void number(String at, Object value, Message rules) {
    double v = ((Number) value).doubleValue();
    Double gt = bound(rules, "gt");
    Double gte = bound(rules, "gte");
    Double lt = bound(rules, "lt");
    Double lte = bound(rules, "lte");
    range(at, v, gt, gte, lt, lte, value.toString());
    Double constant = bound(rules, "const");
    if (constant != null && v != constant) violations.add(at + ": must be " + constant);
    FieldDescriptor in = rules.getDescriptorForType().findFieldByName("in");
    if (in != null && rules.getRepeatedFieldCount(in) > 0) {
      boolean found = false;
      for (Object allowed : (List<?>) rules.getField(in)) {
        found |= ((Number) allowed).doubleValue() == v;
      }
      if (!found) violations.add(at + ": must be one of " + rules.getField(in));
    }
    FieldDescriptor notIn = rules.getDescriptorForType().findFieldByName("not_in");
    if (notIn != null) {
      for (Object refused : (List<?>) rules.getField(notIn)) {
        if (((Number) refused).doubleValue() == v) violations.add(at + ": must not be " + value);
      }
    }
  }

  private static Double bound(Message rules, String name) {
    FieldDescriptor field = rules.getDescriptorForType().findFieldByName(name);
    return field != null && rules.hasField(field)
        ? ((Number) rules.getField(field)).doubleValue()
        : null;
  }

  /**
   * protoc-gen-validate's ranges: with a lower and an upper bound the value lies between them, or,
   * when the upper bound is below the lower, outside them.
   */
  private void range(
      String at, double v, Double gt, Double gte, Double lt, Double lte, String shown) {
    Double lower = gt != null ? gt : gte;
    boolean lowerExclusive = gt != null;
    Double upper = lt != null ? lt : lte;
    boolean upperExclusive = lt != null;
    boolean aboveLower = lower == null || (lowerExclusive ? v > lower : v >= lower);
    boolean belowUpper = upper == null || (upperExclusive ? v < upper : v <= upper);
    boolean ok =
        lower != null && upper != null && upper < lower
            ? aboveLower || belowUpper
            : aboveLower && belowUpper;
    if (!ok) {
      violations.add(
          at
              + ": "
              + shown
              + " is out of range"
              + (lower != null ? (lowerExclusive ? " > " : " >= ") + lower : "")
              + (upper != null ? (upperExclusive ? " < " : " <= ") + upper : ""));
    }
  }

  /** The type a type URL names, or null when {@code registry} does not know it. */
  static Descriptor typeOf(String url, JsonFormat.TypeRegistry registry) {
    return registry.find(url.substring(url.lastIndexOf('/') + 1));
  }

  /** The type URLs of every {@code Any} in {@code message}, nested ones included. */
  static List<String> typeUrls(Message message, JsonFormat.TypeRegistry registry) {
    List<String> urls = new ArrayList<>();
    collectTypeUrls(message, registry, urls);
    return urls;
  }

  private static void collectTypeUrls(
      Message message, JsonFormat.TypeRegistry registry, List<String> urls) {
    if (message.getDescriptorForType().getFullName().equals(Any.getDescriptor().getFullName())) {
      String url =
          (String) message.getField(message.getDescriptorForType().findFieldByName("type_url"));
      urls.add(url);
      try {
        Descriptor type = typeOf(url, registry);
        if (type != null) {
          ByteString value =
              (ByteString)
                  message.getField(message.getDescriptorForType().findFieldByName("value"));
          collectTypeUrls(DynamicMessage.parseFrom(type, value), registry, urls);
        }
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
      return;
    }
    for (Map.Entry<FieldDescriptor, Object> entry : message.getAllFields().entrySet()) {
      if (entry.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) continue;
      if (entry.getKey().isRepeated()) {
        for (Object item : (List<?>) entry.getValue())
          collectTypeUrls((Message) item, registry, urls);
      } else {
        collectTypeUrls((Message) entry.getValue(), registry, urls);
      }
    }
  }
}
