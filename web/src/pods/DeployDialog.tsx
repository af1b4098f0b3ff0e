import {
  Button,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useEffect, useRef } from 'react';
import { errorFor, FormError } from '../components/errors';
import { apiFieldProps } from '../components/form-fields';
import { formatRate, multiplyMoney } from '../format/money';
import { availabilityLabel, firstAvailableGpu, suggestPodName } from './deploy-defaults';
import { DEPLOY_RULES, INITIAL_DEPLOY, MAX_GPUS, parseEnv } from './deploy-form';
import { useCatalog, useDeployPod } from './pods-api';

/** Deploy a Pod: name, GPU type and count, template, environment; the hourly price as you pick. */
export function DeployDialog({
  accountId,
  opened,
  onClose,
}: {
  accountId: string;
  opened: boolean;
  onClose: () => void;
}) {
  const catalog = useCatalog();
  const deploy = useDeployPod(accountId);
  const form = useForm({
    initialValues: INITIAL_DEPLOY,
    validate: DEPLOY_RULES,
    // A GPU count out of range says so at once; the other fields once Deploy was pressed.
    validateInputOnChange: ['gpuCount'],
  });
  // Opened: fresh availability, and a name, the first GPU type with room and the first
  // template filled in, so that deploying is one click.
  const data = catalog.data;
  const refetchCatalog = catalog.refetch;
  const { setFieldValue, getValues } = form;
  useEffect(() => {
    if (opened) void refetchCatalog();
  }, [opened, refetchCatalog]);
  // Filled in once per opening: what the person then changes (even an emptied name) stays.
  const filled = useRef(false);
  useEffect(() => {
    if (!opened) filled.current = false;
  }, [opened]);
  useEffect(() => {
    if (!opened || !data || filled.current) return;
    filled.current = true;
    const current = getValues();
    const firstTemplate = data.templates[0]?.id;
    if (!current.templateId && firstTemplate) setFieldValue('templateId', firstTemplate);
    const firstGpu = firstAvailableGpu(data.gpuTypes)?.id;
    if (!current.gpuType && firstGpu) setFieldValue('gpuType', firstGpu);
    if (!current.name) setFieldValue('name', suggestPodName(firstTemplate));
  }, [opened, data, getValues, setFieldValue]);
  const { values } = form;
  const gpu = catalog.data?.gpuTypes.find((g) => g.id === values.gpuType);
  const template = catalog.data?.templates.find((t) => t.id === values.templateId);
  const close = () => {
    form.clearErrors();
    deploy.reset();
    onClose();
  };
  const submit = form.onSubmit((v) =>
    deploy.mutate(
      {
        name: v.name,
        gpuType: v.gpuType ?? '',
        gpuCount: Number(v.gpuCount),
        templateId: v.templateId ?? '',
        ...(v.envText.trim() ? { env: parseEnv(v.envText) } : {}),
      },
      {
        onSuccess: () => {
          form.setValues({ name: '', envText: '' });
          close();
        },
      },
    ),
  );
  const field = (name: keyof typeof INITIAL_DEPLOY) => apiFieldProps(form, deploy.error, name);
  const hourly =
    gpu && DEPLOY_RULES.gpuCount(values.gpuCount) === null
      ? formatRate(multiplyMoney(gpu.pricePerHour, Number(values.gpuCount)), catalog.data?.currency)
      : null;
  return (
    <Modal opened={opened} onClose={close} title="Deploy a Pod" size="lg">
      {/* noValidate: the fields' own messages, not the browser's bubble on the first one. */}
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Name"
            placeholder="my-training-run"
            required
            maxLength={64}
            {...field('name')}
          />
          <Select
            label="GPU type"
            placeholder="Pick a GPU"
            required
            allowDeselect={false}
            data={(catalog.data?.gpuTypes ?? []).map((g) => {
              const free = availabilityLabel(g.available);
              return {
                value: g.id,
                label: `${g.name} · ${g.memoryGb} GB · ${formatRate(g.pricePerHour, catalog.data?.currency)}/h${free ? ` · ${free}` : ''}`,
                disabled: g.available === 0,
              };
            })}
            description={
              gpu ? (
                <span data-testid="deploy-availability">
                  {[
                    availabilityLabel(gpu.available),
                    `${gpu.vcpusPerGpu} vCPU and ${gpu.memoryGbPerGpu} GB RAM per GPU`,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
              ) : undefined
            }
            {...field('gpuType')}
          />
          <NumberInput
            label="GPU count"
            min={1}
            max={MAX_GPUS}
            clampBehavior="none"
            allowDecimal={false}
            allowNegative={false}
            required
            {...field('gpuCount')}
          />
          <Select
            label="Template"
            placeholder="Pick a template"
            required
            allowDeselect={false}
            data={(catalog.data?.templates ?? []).map((t) => ({ value: t.id, label: t.name }))}
            description={template?.description}
            {...field('templateId')}
          />
          <Textarea
            label="Environment variables"
            description="Optional, one KEY=value per line"
            autosize
            minRows={2}
            {...form.getInputProps('envText')}
            error={errorFor(deploy.error, 'env')}
          />
          <FormError error={deploy.error} />
          <Group justify="space-between">
            <Text size="sm" c="dimmed" data-testid="deploy-price">
              {hourly ? `${hourly} per hour` : 'Pick a GPU to see the price'}
            </Text>
            <Button type="submit" loading={deploy.isPending}>
              Deploy
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
