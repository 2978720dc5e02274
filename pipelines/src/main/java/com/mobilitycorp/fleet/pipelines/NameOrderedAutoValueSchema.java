package com.mobilitycorp.fleet.pipelines;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.Field;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Beam's {@link AutoValueSchema} with every field, nested rows included, in name order, for the
 * classes annotated {@code @DefaultSchema(AutoValueSchema.class)}; registered first in the
 * pipeline's schema registry it takes their place (see {@link #register}).
 *
 * <p>Why: the inferred schema is the state's binary layout in a savepoint (SchemaCoder rows are
 * positional), and AutoValueSchema orders fields as reflection returns the getters, which differs
 * between JVM runs (HotSpot sorts methods by the address of their name symbol; measured here: two
 * of three runs of the same main gave different orders). A job resubmitted from a savepoint then
 * decodes its state with a different field order: {@code ArrayIndexOutOfBoundsException} in
 * {@code SchemaUserTypeCreator} or, worse, silently swapped values. Name order is the same in every
 * JVM. Getters and creators follow the schema they are given, so only the order changes.
 *
 * <p>The same state is savepoint-compatible only with jobs that use this ordering too; Beam's own
 * fix would be {@code @SchemaFieldNumber} on every getter of the model classes.
 */
final class NameOrderedAutoValueSchema extends AutoValueSchema {
  private static final long serialVersionUID = 1L;

  /** Puts the provider in front of the registry's defaults (the annotation's own provider). */
  static void register(org.apache.beam.sdk.Pipeline pipeline) {
    pipeline.getSchemaRegistry().registerSchemaProvider(new NameOrderedAutoValueSchema());
  }

  @Override
  public <T> Schema schemaFor(TypeDescriptor<T> type) {
    if (!annotatedAutoValue(type.getRawType())) {
      return null; // not ours: the registry asks the next provider
    }
    Schema inferred = super.schemaFor(type);
    return inferred == null ? null : nameOrdered(inferred);
  }

  // The registry asks each provider in turn and takes the first non-null answer; the inherited
  // methods would fail on a foreign type instead of answering null.
  @Override
  public <T> org.apache.beam.sdk.transforms.SerializableFunction<T, org.apache.beam.sdk.values.Row>
      toRowFunction(TypeDescriptor<T> type) {
    return annotatedAutoValue(type.getRawType()) ? super.toRowFunction(type) : null;
  }

  @Override
  public <T> org.apache.beam.sdk.transforms.SerializableFunction<org.apache.beam.sdk.values.Row, T>
      fromRowFunction(TypeDescriptor<T> type) {
    return annotatedAutoValue(type.getRawType()) ? super.fromRowFunction(type) : null;
  }

  private static boolean annotatedAutoValue(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      DefaultSchema annotation = c.getAnnotation(DefaultSchema.class);
      if (annotation != null) {
        return AutoValueSchema.class.equals(annotation.value());
      }
    }
    return false;
  }

  static Schema nameOrdered(Schema schema) {
    List<Field> fields = new ArrayList<>(schema.getFields());
    fields.sort(Comparator.comparing(Field::getName));
    Schema.Builder builder = Schema.builder();
    for (Field field : fields) {
      builder.addField(field.withType(nameOrdered(field.getType())));
    }
    return builder.setOptions(schema.getOptions()).build();
  }

  private static FieldType nameOrdered(FieldType type) {
    FieldType ordered;
    switch (type.getTypeName()) {
      case ROW:
        ordered = FieldType.row(nameOrdered(type.getRowSchema()));
        break;
      case ARRAY:
        ordered = FieldType.array(nameOrdered(type.getCollectionElementType()));
        break;
      case ITERABLE:
        ordered = FieldType.iterable(nameOrdered(type.getCollectionElementType()));
        break;
      case MAP:
        ordered = FieldType.map(nameOrdered(type.getMapKeyType()), nameOrdered(type.getMapValueType()));
        break;
      default:
        return type;
    }
    return ordered.withNullable(type.getNullable());
  }
}
