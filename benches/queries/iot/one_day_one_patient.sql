select recorded_at, heart_rate, spo2, systolic, diastolic
from silver.vitals
where day = date '2026-01-03' and patient_id = 7
order by recorded_at
